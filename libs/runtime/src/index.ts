/** What both services do the same way at start-up: read and check their configuration, create their logger, contain faults outside handlers. */
export { ConfigError } from './config-error.js';
export { integer, oneOf, onOff, optionalInteger, raw, url, type Env } from './env.js';
export type { ConfigService, ConfigVariable } from './config-variable.js';
export { LOG_LEVELS, type LogLevel } from './log-level.js';
export { createJsonLogger, type JsonLoggerOptions } from './logger.js';
export { installProcessGuards, PROCESS_FAULT_KINDS, type FaultLogger, type ProcessFaultKind, type ProcessGuardOptions, type ProcessGuards } from './process-guards.js';
