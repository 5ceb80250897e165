export * from './types.js';
export { sessionTransition } from './transition.js';
