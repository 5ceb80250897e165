export { runSimulation, type SimulationDeps, type SimulationResult, type RecipientResult, type EventSubscription } from './simulation.js';
export { parseArgs, validateOptions, queueIdOf, DEFAULTS, USAGE, UsageError, type SimulationOptions, type CliOptions, type Strategy } from './options.js';
export { formatResult } from './summary.js';
export { decide, outcomeOf, type Outcome } from './rng.js';
export { busEvents } from './bus-events.js';
export { runCallers, CALLER_DEFAULTS, type CallerOptions, type CallerDeps, type CallerResult } from './callers.js';
