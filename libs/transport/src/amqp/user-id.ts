/**
 * The AMQP `user_id` property on everything a connection publishes.
 *
 * RabbitMQ validates `user_id`: a publish whose user_id is not the connection's authenticated user
 * is refused (406 PRECONDITION_FAILED, the channel is closed), unless that user has the
 * `impersonator` tag. So a receiver can trust a message's user_id to name the account that sent it,
 * which the workers use to accept each command only from the roles allowed to send it
 * (BUS_SENDERS, docs/bus.md#who-may-send-what).
 *
 * Stamped at the channel: every channel the connection opens gets a `publish` that adds the
 * user_id, so RPC requests, replies (plain and batched), events and dead-letters all carry it
 * without each publisher knowing (`sendToQueue` goes through `publish` too). Only when asked:
 * with an auth backend whose user is not the URL's (OAuth 2, x509) a wrong user_id would refuse
 * every publish.
 */
import type { ChannelModel } from 'amqplib';

type Publish = (exchange: string, routingKey: string, content: Buffer, options?: Record<string, unknown>, ...rest: unknown[]) => boolean;

interface Stamped {
  __qubicleUserId?: string;
}

/** Makes every channel `conn` opens from now on publish with `user_id` = `userId`. */
export function stampUserId(conn: ChannelModel, userId: string): void {
  const model = conn as ChannelModel & Stamped;
  if (model.__qubicleUserId !== undefined) return;
  model.__qubicleUserId = userId;
  const createChannel = conn.createChannel.bind(conn);
  const createConfirmChannel = conn.createConfirmChannel.bind(conn);
  conn.createChannel = async (...args: Parameters<ChannelModel['createChannel']>) => patch(await createChannel(...args), userId);
  conn.createConfirmChannel = async (...args: Parameters<ChannelModel['createConfirmChannel']>) => patch(await createConfirmChannel(...args), userId);
}

function patch<C extends object>(ch: C, userId: string): C {
  const target = ch as unknown as { publish: Publish };
  const publish = target.publish;
  target.publish = function (this: unknown, exchange, routingKey, content, options, ...rest) {
    return publish.call(this, exchange, routingKey, content, { ...options, userId }, ...rest);
  };
  return ch;
}

/**
 * The user an AMQP URL logs in as: its user name, decoded, or `guest` when it has none
 * (amqplib's default). The user_id to stamp for a plain-password login.
 */
export function amqpUserOf(url: string): string {
  const user = new URL(url).username;
  return user === '' ? 'guest' : decodeURIComponent(user);
}
