/**
 * The vocabulary of the pure queue machine (docs/queues.md): the durable state of one queue's
 * process, what goes in (caller joins and hangups, the members' statuses and offer outcomes, timers,
 * the queue's lifecycle), what comes out (the next state, the effects its process must carry out,
 * the reply). Same shape as the recipient machine: transition(state, input, ctx) → {state, effects, reply}.
 */
import type {
  AvailabilityState,
  CallInfo,
  JoinRefusal,
  OfferRefusal,
  QueueJoinCommand,
  QueueEvent,
  QueueRoutingSettings,
  RecipientEventName,
  RecipientStatus,
  RpcReply,
  ServiceLevelCounts,
} from '@qubicle/contracts';

/** Everything the machine may not find out by itself. */
export interface QueueMachineContext {
  /** ms since epoch */
  now: number;
  /** the worker node running the queue's process (status `node`, events) */
  node: string;
  /**
   * ms since epoch of the start of the current day in the account's timezone (dayStartOf,
   * ../day.ts): the day's figures start again from 0 when it moves on.
   */
  day_start: number;
  /** the lease epoch of the shard holding the queue: every offer carries it (a zombie's offer is refused) */
  epoch: number;
  /** a fresh unique id (the command id of an offer) */
  newId(): string;
}

/**
 * What the queue knows of one member of its roster, from the recipient's statuses (events and
 * status reads, applied only when their `seq` is newer).
 */
export interface MemberView {
  recipient_id: string;
  /** the recipient's event seq of the last status applied; 0 = nothing known yet */
  seq: number;
  availability_state: AvailabilityState;
  /** `queue_availability[this queue] !== false` */
  queue_enabled: boolean;
  /** monitoring someone (a monitoring recipient gets no offers) */
  wiretapping: boolean;
  /** ms the member became Ready (their status' `last_action_time` while Ready): most idle sorts on it */
  idle_since: number;
  /** the session this queue's outstanding offer to them is for (one at a time, never two) */
  offered_session: string | null;
  /**
   * Not a candidate until a status with a seq above this one arrives: set when an offer ended
   * without the recipient telling (refused, withdrawn by us, our deadline) or force_away_on_reject
   * asked them Away, so the queue never re-offers on a view it knows to be stale.
   */
  wait_for_seq: number | null;
  /** calls of this queue they answered today (least calls) */
  handled_calls: number;
  /** offers of this queue they received today (least offers; refused ones are taken back) */
  offers: number;
  /**
   * Taken off the roster while ringing for this queue: the ring runs its course (answered,
   * rejected or missed, it is still this queue's caller) and the member goes when it ends; no new offer.
   */
  removed: boolean;
}

/** An offer of a session to one recipient, outstanding until its outcome. */
export interface QueueOffer {
  recipient_id: string;
  /** the offer command's id (a redelivered offer is not applied twice by the recipient) */
  offer_id: string;
  /** ms: ring_timeout + OFFER_GRACE_MS after the offer, then OFFER_GRACE_MS after each check */
  deadline: number;
  /** status reads asked since the deadline passed with no outcome seen (verify_offer), one per grace */
  checks: number;
  /**
   * A supervisor's assignment (the `assign` input), not the router's pick. Its outcomes are those
   * of any offer (the caller back at its old place, routing as usual); kept so that a listing, a
   * re-send after a failover and the events can tell.
   */
  pinned?: true;
  /** the user who assigned it, when the request named one */
  assigned_by?: string;
}

/** A caller in the queue: waiting (offer null) or being offered (offering). */
export interface QueuedSession {
  session_id: string;
  call_id: string;
  caller_id_name: string;
  caller_id_number: string;
  /** 0..10, higher served first */
  priority: number;
  /** the queue's join counter when it entered: the FIFO order within a priority */
  order: number;
  /** ms it entered this queue (its wait here is measured from it) */
  entered_at: number;
  /** ms its wait here reaches the queue's `timeout` */
  deadline: number;
  /** queues it already timed out of before this one (overflow loop guard), oldest first */
  visited: string[];
  offer: QueueOffer | null;
  /**
   * A supervisor assigned it to a member busy at the time (rules/assign.ts): the router skips it and
   * it is offered to that member as soon as they can take a call, before anyone else's turn. Gone
   * once offered, or when the member can no longer be assigned (logged out, Away, off the roster).
   */
  assignment?: QueueAssignment;
  /**
   * The caller hung up while ringing (rules/hangup.ts): the offer is being withdrawn and the caller
   * leaves with the withdraw's outcome, not before, since the recipient may have answered first
   * (the truth of "was it answered" lives at the recipient): withdrawn, or the offer's deadline →
   * abandoned; answered → delivered. Out of routing meanwhile: never offered again.
   */
  hung_up?: true;
}

/** Who a caller waits for, and who said so. */
export interface QueueAssignment {
  recipient_id: string;
  /** the supervisor's user id, when the request named one */
  by?: string;
}

/** The day's figures and the service level (docs/queues.md, "Stats"). */
export interface QueueStatsState {
  /** the day these figures are of (ctx.day_start when they started) */
  day_start: number;
  total_sessions: number;
  missed_sessions: number;
  abandoned_sessions: number;
  /** callers who left the queue today (any reason) and their total wait: average_wait */
  left_sessions: number;
  total_wait_ms: number;
  /** Asterisk's running average of answered callers' wait (ms), new = (3 × old + sample) / 4; kept across days */
  ewma_wait_ms: number | null;
  /** service-level counters of the day */
  day: ServiceLevelCounts;
  /** service-level counters per minute (`minute` = floor(ms / 60000)) of the last 15 minutes, oldest first */
  minutes: Array<{ minute: number; counts: ServiceLevelCounts }>;
}

/** An applied input's id, kept so that a redelivery is answered again, not applied twice. */
export interface RecentInput {
  id: string;
  /** a join's reply (the one input whose answer cannot be re-derived once the caller left) */
  join?: JoinResult;
  /** a hangup of a ringing caller, answered `removed: false` (the withdraw's outcome decides, reported to the session) */
  pending?: true;
}

/**
 * The durable state of one queue's process: what its actor holds and what the store keeps
 * (fenced by the shard lease). Every nested object is treated as immutable: a transition replaces
 * what it changes (draft.ts), so the state handed in is never mutated.
 */
export interface QueueState {
  account_id: string;
  queue_id: string;
  settings: QueueRoutingSettings;
  /**
   * the roster: what the queue knows of each member, sorted by recipient id (an array, not a map:
   * a transition that changes one member copies an array of references, not a large object)
   */
  members: MemberView[];
  /** callers in the queue, in routing order: priority (high first), then `order` (FIFO) */
  sessions: QueuedSession[];
  /** `order` of the next caller to enter */
  next_order: number;
  /** the router's own state (JSON; reset when the router is changed) */
  router_state: unknown;
  stats: QueueStatsState;
  /** per-queue event seq, +1 per event */
  seq: number;
  recent_inputs: RecentInput[];
}

// ---------------------------------------------------------------- inputs

/** The queue process starts (ensure_started) with its document's settings and roster. */
export interface StartInput {
  type: 'start';
  input_id: string;
  account_id: string;
  queue_id: string;
  settings: QueueRoutingSettings;
  members: string[];
}

/** The queue document changed. */
export interface ConfigureInput {
  type: 'configure';
  input_id: string;
  settings: QueueRoutingSettings;
}

/** The roster changed (the members offered calls of this queue). */
export interface RosterInput {
  type: 'roster';
  input_id: string;
  members: string[];
}

/** The queue was deleted (not a shutdown or a move: those keep the state): callers exit. */
export interface StopInput {
  type: 'stop';
  input_id: string;
  reason: string;
}

/** A caller enters (join_queue, or a redirect from another queue): the caller fields of the bus's `queue_join`, one definition. */
export type JoinInput = { type: 'join'; input_id: string } & Pick<QueueJoinCommand, 'session_id' | 'call_id' | 'caller_id_name' | 'caller_id_number' | 'priority' | 'visited'>;

/** The caller hung up (delete_session): abandoned; a ringing offer is withdrawn, not missed. */
export interface CallerHangupInput {
  type: 'caller_hangup';
  input_id: string;
  session_id: string;
}

/** A supervisor takes a caller out of the queue (exited). */
export interface RemoveSessionInput {
  type: 'remove_session';
  input_id: string;
  session_id: string;
}

/**
 * A supervisor gives this waiting caller to this member, ahead of the router and of the callers
 * before it (queue_session_action `assign`): offered at once when the member can take a call,
 * else as soon as they can (rules/assign.ts). Refused as data (`{assigned: false, reason}`,
 * nothing changed) when the caller is not here (unknown_session) or rings already
 * (session_ringing), the recipient is not on the roster (not_a_member) or is not taking calls of
 * this queue (recipient_unavailable: not logged in, Away, away for this queue, monitoring).
 */
export interface AssignInput {
  type: 'assign';
  input_id: string;
  session_id: string;
  recipient_id: string;
  /** the supervisor's user id (shown in the `assign` event) */
  by?: string;
}

/**
 * What an assign answers (the reply's data): `offer_id` when offered at once (to follow its reply),
 * none when the caller waits for the member (they were busy).
 */
export type AssignResult =
  | { assigned: true; recipient_id: string; offer_id?: string }
  | { assigned: false; reason: 'unknown_session' | 'session_ringing' | 'not_a_member' | 'recipient_unavailable' };

/**
 * A member's status: from a recipient event (with `event` and, for call events, `call`) or a
 * status read (after a load; seq 0 for a recipient who is not logged in). Applied only when `seq`
 * is above the last one applied for that member; the call events also tell the outcome of this
 * queue's offers (delivered, reject, miss, withdraw).
 */
export interface MemberStatusInput {
  type: 'member_status';
  recipient_id: string;
  seq: number;
  status: RecipientStatus;
  event?: RecipientEventName;
  call?: CallInfo;
  /** set on the status read a `verify_offer` effect asked for: the offer id it checks */
  verify?: string;
}

/**
 * The reply to an offer command. Accepted changes nothing (the recipient's events tell the rest);
 * refused (the recipient was not Ready after all) sends the caller back to its place and the
 * next candidate is tried. No reply (the RPC timed out): feed nothing, the offer's deadline decides.
 */
export interface OfferReplyInput {
  type: 'offer_reply';
  offer_id: string;
  session_id: string;
  recipient_id: string;
  accepted: boolean;
  reason?: OfferRefusal;
}

/**
 * The reply to the withdraw command of a caller who hung up while ringing: `withdrawn` (the
 * recipient was still ringing: the caller is abandoned) or not (the recipient was no longer
 * offering it: it had answered first, or its ring had just ended; a status read decides). No
 * reply (the RPC failed): feed nothing, the offer's deadline decides.
 */
export interface WithdrawReplyInput {
  type: 'withdraw_reply';
  session_id: string;
  offer_id: string;
  withdrawn: boolean;
}

/** A caller's wait reached the queue's timeout; ignored unless `deadline` is still theirs. */
export interface CallerTimeoutInput {
  type: 'caller_timeout';
  session_id: string;
  deadline: number;
}

/**
 * An offer saw no outcome by its deadline (ring_timeout + grace, then grace after each check);
 * ignored unless it is still that offer and deadline.
 */
export interface OfferDeadlineInput {
  type: 'offer_deadline';
  session_id: string;
  offer_id: string;
  deadline: number;
}

/** A delivery round (every tick_time while callers are in the queue). */
export interface TickInput {
  type: 'tick';
  at: number;
}

export interface GetQueueStatusInput {
  type: 'get_status';
}

export type QueueTimerInput = CallerTimeoutInput | OfferDeadlineInput | TickInput;

export type QueueInput =
  | StartInput
  | ConfigureInput
  | RosterInput
  | StopInput
  | JoinInput
  | CallerHangupInput
  | RemoveSessionInput
  | AssignInput
  | MemberStatusInput
  | OfferReplyInput
  | WithdrawReplyInput
  | QueueTimerInput
  | GetQueueStatusInput;

export type QueueInputType = QueueInput['type'];

// ---------------------------------------------------------------- outputs

/** The answer to a join: in the queue, or refused (answered as data, like an offer refusal). */
export type JoinResult =
  | { joined: true; position: number; estimated_wait: number }
  /** `redirected_to`: the caller was sent to the overflow queue instead (its join there answers the caller) */
  | { joined: false; reason: Extract<JoinRefusal, 'unknown_queue' | 'full' | 'empty'>; redirected_to?: string };

export type WithdrawReason = 'caller_hangup' | 'answered_elsewhere' | 'other';

/** What a session's next queue needs to take it (a redirect). */
export type RedirectJoin = Omit<JoinInput, 'type' | 'input_id'> & { visited: string[] };

export type QueueEffect =
  /** Write the new state (delete it when the state is null) before anything else. */
  | { type: 'persist' }
  | { type: 'publish'; event: QueueEvent }
  /** Send the recipient the offer command (its command_id = offer_id), fenced by the queue's lease epoch. */
  | { type: 'offer'; recipient_id: string; offer_id: string; call: CallInfo; offer_timeout_seconds: number; wrapup_seconds: number; epoch: number; pinned?: true }
  /** Withdraw the offer `offer_id`; for `caller_hangup` its reply is fed back (withdraw_reply). */
  | { type: 'withdraw'; recipient_id: string; session_id: string; offer_id: string; reason: WithdrawReason }
  /**
   * Read the recipient's status (through its shard queue, so after the offer command) and feed it
   * back as a member_status with `verify: offer_id`: did the offer end, and how.
   */
  | { type: 'verify_offer'; recipient_id: string; session_id: string; offer_id: string }
  /** force_away_on_reject: set the recipient Away (globally). */
  | { type: 'set_away'; recipient_id: string; reason: 'rejected_offer' }
  /** (Re)arm the timer `key`: feed `input` at `at` (ms). Replaces one armed under the same key. */
  | { type: 'arm_timer'; key: string; at: number; input: QueueTimerInput }
  | { type: 'cancel_timer'; key: string }
  /** The session was answered by `recipient_id` (it left the queue; the session goes on until the call ends). */
  | { type: 'session_delivered'; session_id: string; call_id: string; recipient_id: string }
  /** The session timed out here and goes on in `to_queue_id` (join it there with `join`). */
  | { type: 'redirect_session'; session_id: string; call_id: string; to_queue_id: string; join: RedirectJoin }
  /** The session ended in this queue. */
  | { type: 'end_session'; session_id: string; call_id: string; reason: 'abandoned' | 'timed_out' | 'exited' };

export type QueueEffectType = QueueEffect['type'];

export interface QueueTransitionResult {
  /** the state after the input; the very same object when nothing changed; null = the queue stopped */
  state: QueueState | null;
  effects: QueueEffect[];
  reply: RpcReply<unknown>;
}

/**
 * Grace after ring_timeout before the queue asks what became of an offer whose outcome it has not
 * seen: the recipient's own offer timer fires at ring_timeout and its `miss` event normally arrives
 * well within it. Also the longest an offer command may wait in the broker (its expiration): then
 * by the deadline the recipient certainly stopped ringing, and only the outcome is unknown.
 */
export const OFFER_GRACE_MS = 3000;



/**
 * How many applied input ids a queue remembers for redelivery. Redelivery concerns what a crashed
 * node had taken but not acked (bounded by the consumer's prefetch); a queue takes many more inputs
 * than a recipient, hence more than the recipient's 16.
 */
export const RECENT_INPUTS_KEPT = 128;

/** A session is redirected through at most this many queues (besides `visited` forbidding loops). */
export const MAX_REDIRECTS = 16;

/** Timer keys. */
export const TICK_TIMER = 'tick';
export const callerTimerKey = (sessionId: string): string => `timeout:${sessionId}`;
export const offerTimerKey = (sessionId: string): string => `offer:${sessionId}`;
