/**
 * The vocabulary of the pure recipient state machine: what goes in (commands from the
 * bus, resolved monitor context, internal timer inputs), what comes out (the next state,
 * the effects the actor must carry out, and the RPC reply).
 */
import type {
  AwayCatalogue,
  MonitorCommand,
  RecipientCommand,
  RecipientEvent,
  RecipientState,
  RpcReply,
  SessionRecord,
  WiretapMode,
} from '@qubicle/contracts';

/** Account settings the machine needs; the actor reads them from the account document. */
export interface MachineAccount {
  /** Consecutive missed offers after which the recipient goes Away ('missed_calls'); 0 disables. */
  missed_call_threshold: number;
  /** Callcenter Pro: monitor is allowed. */
  pro: boolean;
  /** The account's away-reason catalogue (the built-in missed_calls included); absent = only the built-in ones. */
  away_reasons?: AwayCatalogue;
}

/** Everything the machine may not find out by itself is injected here. */
export interface MachineContext {
  /** ms since epoch */
  now: number;
  /** name of the node whose actor runs the machine (reported in statuses, replies and events) */
  node: string;
  account: MachineAccount;
  /** a fresh login session id (called once per new login) */
  newSessionId(): string;
  /** How many applied command ids a recipient remembers (config RECENT_COMMANDS_KEPT); default RECENT_COMMANDS_KEPT. */
  recentCommandsKept?: number;
  /**
   * Only when `state` is null: the ids the recipient's last session had applied when it logged out
   * (the store's tombstone, kept RECENT_COMMANDS_TTL_MS). A command among them is a duplicate and
   * is answered, not applied; a login inherits them, so a replay that arrives after a new login
   * is recognised too.
   */
  rememberedCommands?: readonly string[];
}

/**
 * What the shard handler finds out about a monitor request before it enters the acting
 * recipient's mailbox (the target may live on another shard or node).
 */
export interface MonitorContext {
  /** The acting recipient's users doc grants `qubicle.permissions.monitor`. */
  actor_can_monitor: boolean;
  /** The target is a Qubicle recipient of the same account (users doc found there, qubicle enabled). */
  target_in_account: boolean;
  /** The target is logged in right now. */
  target_logged_in: boolean;
}

export type MonitorInput = MonitorCommand & { context: MonitorContext };

/** The offer timer fired; ignored unless it matches the current offer and deadline. */
export interface OfferTimeoutInput {
  type: 'offer_timeout';
  session_id: string;
  deadline: number;
}

/** The wrap-up timer fired; ignored unless `deadline` is the current wrap-up deadline. */
export interface WrapupEndInput {
  type: 'wrapup_end';
  deadline: number;
}

/** A timed break (or a reason's maximum with on_max ready) ended; ignored unless `deadline` is the current away_deadline. */
export interface AwayEndInput {
  type: 'away_end';
  deadline: number;
}

/** An away reason with on_max alert reached its maximum; ignored unless `deadline` is the current away_alert_deadline. */
export interface AwayAlertInput {
  type: 'away_alert';
  deadline: number;
}

/** The recipient this one is monitoring logged out. */
export interface MonitorTargetGoneInput {
  type: 'monitor_target_gone';
  target_id: string;
}

export type TimerInput = OfferTimeoutInput | WrapupEndInput | AwayEndInput | AwayAlertInput;
export type TimerKind = 'offer' | 'wrapup' | 'away' | 'away_alert';

export type MachineInput =
  | Exclude<RecipientCommand, MonitorCommand>
  | MonitorInput
  | TimerInput
  | MonitorTargetGoneInput;

export type MachineInputType = MachineInput['type'];

export type Effect =
  /**
   * Write the new state (or log out when the new state is null) before replying, together with
   * the `publish` events (the store's outbox). A logout's `recent_commands` are the ids to remember
   * after it (the tombstone): the session's, the logout's own included.
   */
  | { type: 'persist'; recent_commands?: string[] }
  | { type: 'publish'; event: RecipientEvent }
  /** (Re)arm the timer of that kind: feed `input` into the mailbox at `at` (ms). Replaces an armed one. */
  | { type: 'arm_timer'; kind: TimerKind; at: number; input: TimerInput }
  | { type: 'cancel_timer'; kind: TimerKind }
  /** The login session ended: keep it in the history. */
  | { type: 'end_session'; record: SessionRecord }
  /** For the media layer: start/stop bridging the monitoring recipient onto the target's call. */
  | { type: 'wiretap'; action: 'start' | 'stop'; target_id: string; mode: WiretapMode };

export type EffectType = Effect['type'];

export interface TransitionResult {
  /** The state after the input; the very same object as before when nothing changed; null = logged out. */
  state: RecipientState | null;
  effects: Effect[];
  reply: RpcReply<unknown>;
}

/**
 * How many applied command ids a recipient remembers for redelivery by default (config
 * RECENT_COMMANDS_KEPT; ids only: ~60 bytes each in memory, docs/performance.md). A redelivery
 * concerns the commands a crashed node had taken but not acked; for one recipient those are the
 * few it was working through, far fewer than this.
 */
export const RECENT_COMMANDS_KEPT = 16;
/**
 * How long, by default, those ids are remembered after a logout (config RECENT_COMMANDS_TTL_MS):
 * longer than any caller retries with the same id or a crashed node's unacked commands wait for
 * redelivery. A tombstone in the store per recipient logged out within that time.
 */
export const RECENT_COMMANDS_TTL_MS = 3_600_000;
