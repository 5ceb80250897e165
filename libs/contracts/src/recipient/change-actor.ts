import { KAZOO_ID_PATTERN } from '../ids.js';
import type { CommandBase } from '../bus/commands/command-base.js';

/**
 * Who (or what) made a change of a recipient's state: carried by every event and audit entry.
 * - `user`: a person, by their user id (the recipient themselves, or a supervisor);
 * - `account`: an api_auth token of the account (id: the account id);
 * - `bus`: a service on the bus (id: the name in the command's `by.service`, else `unknown`);
 * - `timer`: the worker's timers (id `offer` or `wrapup`), also when re-armed on failover;
 * - `policy`: a rule of the account (id `missed_calls`);
 * - `system`: the cluster itself (id `target_logged_out`: the monitored recipient left).
 * Written as `<kind>:<id>` in the audit filter (`actor=user:…`, `actor=timer:wrapup`).
 */
export const CHANGE_ACTOR_KINDS = ['user', 'account', 'bus', 'timer', 'policy', 'system'] as const;
export type ChangeActorKind = (typeof CHANGE_ACTOR_KINDS)[number];

export interface ChangeActor {
  kind: ChangeActorKind;
  id: string;
}

export const changeActorSchema = {
  type: 'object',
  required: ['kind', 'id'],
  properties: { kind: { enum: [...CHANGE_ACTOR_KINDS] }, id: { type: 'string', minLength: 1, maxLength: 128 } },
  additionalProperties: false,
} as const;

/** `<kind>:<id>`, the filter syntax. */
export const CHANGE_ACTOR_PATTERN = `^(${CHANGE_ACTOR_KINDS.join('|')}):[A-Za-z0-9_.@-]{1,128}$`;
const ACTOR_RE = new RegExp(CHANGE_ACTOR_PATTERN);

export function formatChangeActor(a: ChangeActor): string {
  return `${a.kind}:${a.id}`;
}

/** The actor named by `<kind>:<id>`, or undefined when it is not of that form. */
export function parseChangeActor(text: string): ChangeActor | undefined {
  if (!ACTOR_RE.test(text)) return undefined;
  const at = text.indexOf(':');
  return { kind: text.slice(0, at) as ChangeActorKind, id: text.slice(at + 1) };
}

/** The actor of a command: its `by` (a user, the account's api token, or a named service). */
export function actorOfCommand(by: CommandBase['by'], accountId: string): ChangeActor {
  if (by?.user_id !== undefined && new RegExp(KAZOO_ID_PATTERN).test(by.user_id)) return { kind: 'user', id: by.user_id };
  if (by?.service !== undefined && by.service !== '') return { kind: 'bus', id: by.service.slice(0, 128) };
  if (by?.priv_level !== undefined) return { kind: 'account', id: accountId };
  return { kind: 'bus', id: 'unknown' };
}
