/**
 * AMQP 0-9-1 reply codes (the `code` of a connection.close / channel.close) and what this
 * transport does about each: which ones end the process at connect because no retry can fix
 * them, and which are retried (the connection) or reported as `refused` (a channel operation).
 *
 * Only a refusal while the connection is being OPENED is ever fatal (connection.ts): once a
 * connection was up, a close is the broker going away, an operator's action or one channel's
 * problem, and the connection (or the channel's consumer) is re-established as before.
 * In particular a channel-level 403 for an exclusive queue that another node still holds is the
 * normal hand-over of a shard, not a fatal error.
 */

export interface ReplyCode {
  name: string;
  /** true: refused at connect → stop (FatalConnectionError); false: retry / report */
  fatalAtConnect: boolean;
  why: string;
}

export const REPLY_CODES: Readonly<Record<number, ReplyCode>> = {
  200: { name: 'REPLY_SUCCESS', fatalAtConnect: false, why: 'a normal close (ours, or a graceful one of the broker): reconnect unless we are closing' },
  311: { name: 'CONTENT_TOO_LARGE', fatalAtConnect: false, why: 'channel: one message over the size limit; only that channel closes (reopened), the publish fails' },
  312: { name: 'NO_ROUTE', fatalAtConnect: false, why: 'basic.return of a mandatory publish (an RPC to no queue): the call fails unroutable, nothing closes' },
  313: { name: 'NO_CONSUMERS', fatalAtConnect: false, why: 'basic.return of an immediate publish; not used here' },
  320: {
    name: 'CONNECTION_FORCED',
    fatalAtConnect: false,
    why: 'an operator closed the connection, or the broker is shutting down / booting: retry, it comes back',
  },
  402: { name: 'INVALID_PATH', fatalAtConnect: true, why: 'the vhost in AMQP_URL is not a valid path: a configuration error, the same URL never works' },
  403: {
    name: 'ACCESS_REFUSED',
    fatalAtConnect: true,
    why:
      'at connect: the login was refused (wrong user or password, or a user that may not log in from here): ' +
      'retrying the same credentials only fills the broker log. On a CHANNEL it is not fatal: an exclusive ' +
      'consumer another node still holds (refused, retried on the next reconnect) or a missing permission on one resource (refused)',
  },
  404: { name: 'NOT_FOUND', fatalAtConnect: false, why: 'channel: a passive declare / bind of something that does not exist yet (e.g. an exchange a worker has not declared): refused or polled' },
  405: {
    name: 'RESOURCE_LOCKED',
    fatalAtConnect: false,
    why: 'channel: an exclusive queue still held by another connection (a node that is going away): refused, retried on the next replay',
  },
  406: {
    name: 'PRECONDITION_FAILED',
    fatalAtConnect: false,
    why: 'channel: a queue / exchange redeclared with other arguments, or an unknown delivery tag: refused (the caller sees it), the connection stays',
  },
  501: { name: 'FRAME_ERROR', fatalAtConnect: false, why: 'connection: a malformed frame (a client bug, or a corrupted stream): reconnect' },
  502: { name: 'SYNTAX_ERROR', fatalAtConnect: false, why: 'connection: an illegal field value (a client bug): reconnect' },
  503: { name: 'COMMAND_INVALID', fatalAtConnect: false, why: 'connection: a method not allowed now (a client bug): reconnect' },
  504: { name: 'CHANNEL_ERROR', fatalAtConnect: false, why: 'connection: a channel used before it was opened (a client bug): reconnect' },
  505: { name: 'UNEXPECTED_FRAME', fatalAtConnect: false, why: 'connection: a frame out of sequence (a client bug): reconnect' },
  506: { name: 'RESOURCE_ERROR', fatalAtConnect: false, why: 'the broker lacks resources (memory, file descriptors, too many channels): retry later' },
  530: {
    name: 'NOT_ALLOWED',
    fatalAtConnect: true,
    why:
      'at connect: the vhost was refused: it does not exist, or the user has no permission on it (RabbitMQ sends 530, ' +
      'not 403, for a vhost): no retry grants it. Exception: a vhost or user connection LIMIT reached is retried (see isFatalAtConnect)',
  },
  540: { name: 'NOT_IMPLEMENTED', fatalAtConnect: false, why: 'a method the broker does not implement (a client bug): reconnect' },
  541: {
    name: 'INTERNAL_ERROR',
    fatalAtConnect: false,
    why: 'a broker-side crash (e.g. a reply to a direct reply-to name it cannot decode, reply-channel.ts): reconnect',
  },
};

export function replyCodeName(code: number): string {
  return REPLY_CODES[code]?.name ?? `code ${code}`;
}

/**
 * Is this refusal of a connection being opened one that no retry can fix? A connection limit is
 * the exception to 530: it lifts when other connections close.
 */
export function isFatalAtConnect(code: number, text: string): boolean {
  if (REPLY_CODES[code]?.fatalAtConnect !== true) return false;
  return !(code === 530 && /limit/i.test(text));
}
