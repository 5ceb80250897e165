/**
 * The caller session's own machine (docs/queues.md, "Sessions"): what create_session /
 * join_queue / delete_session do to a session and how the queue's outcomes end it, exactly once.
 * One session per call (KAZOO's delete_session names only the call): the aggregate is keyed by
 * (account, Call-ID). While it waits in a queue the queue machine holds its place; this machine only
 * knows which queue. Same shape as the other machines: transition(state, input, ctx).
 *
 * It runs on the owner of the session's shard only (shardOf(account, call_id), runtime/session-host.ts),
 * one input at a time per call: its writes are fenced by that shard's lease and its events go out
 * through that shard's session outbox.
 */
import type { JoinRefusal, RpcReply, SessionEndReason, SessionEvent } from '@qubicle/contracts';

export interface SessionMachineContext {
  now: number;
  node: string;
  /** a fresh session id (called once per new session) */
  newSessionId(): string;
}

/** created (no queue yet) → queued (in `queue_id`, waiting or ringing there) → delivered → ended. */
export type CallerSessionPhase = 'created' | 'queued' | 'delivered' | 'ended';

export interface CallerSessionState {
  account_id: string;
  call_id: string;
  session_id: string;
  session_type: string;
  caller_id_name: string;
  caller_id_number: string;
  phase: CallerSessionPhase;
  /** the queue it is in (queued), or was last in */
  queue_id: string | null;
  /** who answered it (delivered, ended handled) */
  recipient_id: string | null;
  end_reason: SessionEndReason | null;
  /** ms */
  created_at: number;
  ended_at: number | null;
  /** per-session event seq: 1 create, 2 delete */
  seq: number;
  /** applied input ids, for redelivery */
  recent_inputs: string[];
  /**
   * The caller hung up while the session was in a queue that no longer held it (delivered, timed
   * out or redirected there a moment before): the queue's report, on its way, decides how it
   * ended (delivered → handled). Absent in sessions stored before it existed: false.
   */
  hung_up?: boolean;
  /**
   * The queue a join was sent to, not yet answered (created → queued): a hangup meanwhile tells
   * that queue too (it may have taken the caller although its answer was lost).
   */
  joining?: string | null;
  /** The last creates of this call and the session each made: a create redelivered after a newer session still answers its own. */
  creates?: Array<{ input_id: string; session_id: string }>;
}

export interface CreateSessionInput {
  type: 'create_session';
  input_id: string;
  account_id: string;
  call_id: string;
  session_type: string;
  caller_id_name: string;
  caller_id_number: string;
}

/** join_queue: checked here; the queue's own join decides, then `queue_joined` records it. */
export interface JoinQueueInput {
  type: 'join_queue';
  input_id: string;
  session_id: string;
  queue_id: string;
}

/** The queue took the session (its join answered joined, or a redirect's join did). */
export interface QueueJoinedInput {
  type: 'queue_joined';
  session_id: string;
  queue_id: string;
}

/** The queue's session_delivered report (its recipient answered). */
export interface SessionDeliveredInput {
  type: 'session_delivered';
  session_id: string;
  queue_id: string;
  recipient_id: string;
}

/** The queue's end_session report, or a redirect no queue took (then timed_out). */
export interface SessionEndedInput {
  type: 'session_ended';
  session_id: string;
  queue_id: string | null;
  reason: Extract<SessionEndReason, 'abandoned' | 'timed_out' | 'exited'>;
}

/** delete_session: the caller hung up. */
export interface DeleteSessionInput {
  type: 'delete_session';
  input_id: string;
}

/** What the queue answered the hangup (queue_hangup): `removed` = it still held the caller, who left abandoned. */
export interface QueueHangupDoneInput {
  type: 'queue_hangup_done';
  session_id: string;
  queue_id: string;
  removed: boolean;
}

/** The queue refused the join (full, empty, unknown queue): the session is in no queue. */
export interface QueueJoinRefusedInput {
  type: 'queue_join_refused';
  session_id: string;
  queue_id: string;
}

/** A hung-up session whose queue's report did not come in time (lost with its worker): it ends abandoned. */
export interface ReportOverdueInput {
  type: 'report_overdue';
  session_id: string;
}

export type SessionInput =
  | CreateSessionInput
  | JoinQueueInput
  | QueueJoinedInput
  | QueueJoinRefusedInput
  | SessionDeliveredInput
  | SessionEndedInput
  | DeleteSessionInput
  | QueueHangupDoneInput
  | ReportOverdueInput;
export type SessionInputType = SessionInput['type'];

export type SessionEffect =
  | { type: 'persist' }
  | { type: 'publish'; event: SessionEvent }
  /** The caller hung up while in that queue: tell it (caller_hangup); a ringing offer is withdrawn there. */
  | { type: 'hangup_in_queue'; queue_id: string; session_id: string };

export type JoinCheck = { ok: true; session_id: string; queue_id: string } | { ok: false; reason: Extract<JoinRefusal, 'unknown_session' | 'already_queued' | 'session_ended'> };

export interface SessionTransitionResult {
  state: CallerSessionState | null;
  effects: SessionEffect[];
  reply: RpcReply<unknown>;
}

export const SESSION_RECENT_INPUTS_KEPT = 8;
