export {
  createDirectoryHandler,
  type DirectoryHandler,
  type DirectoryHandlerOptions,
  type DirectoryMessage,
} from './directory-handler.js';
export { bootstrapDemo, type BootstrapDemoOptions, type BootstrapDemoResult, type BootstrapStore } from './bootstrap.js';
export { credentialsOf, credentialBucket, hashCredentials, verifyCredentials } from './credentials.js';
export { busLogoutRecipient, LOGOUT_TIMEOUT_MS } from './logout.js';
export type { ClusterSource, DirectoryBus, DirectoryLogger, DirectoryHandlerStore, LogoutRecipient } from './types.js';
export { busAuthNotifier, type AuthNotifier } from './auth-notices.js';
export { TOKEN_GENERATION_KEY, tokenEndingChange, tokenGeneration } from './tokens.js';
