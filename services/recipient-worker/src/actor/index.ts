export { Mailbox } from './mailbox.js';
export { AccountSettingsCache, DEFAULT_ACCOUNT_SETTINGS, settingsOf, type AccountSettingsSource } from './account-settings.js';
export { RecipientActor, TIMER_RETRY_MS, DEFAULT_RECENT_COMMANDS, type ActorEnv, type RecentCommandsPolicy, type RecipientKey, type RecipientWriter } from './recipient-actor.js';
export { OutboxRelay, type EventRelay, type OutboxRelayOptions, type OutboxRelayStats } from './outbox-relay.js';
export { ActorRegistry } from './registry.js';
export { loginRefusal, notARecipient } from './recipient-check.js';
export { publishEvent } from './publish.js';
export { watchMonitorTargets, LOGOUT_BINDING } from './wiretap-watch.js';
export { WriteBatcher, type WriteBatchStats } from './write-batcher.js';
