/**
 * Is a request's `replyTo` an address RabbitMQ can deliver a reply to? Checked BEFORE the request
 * runs (rpc-server.ts): a request that cannot be answered is not executed.
 *
 * The only reply addresses of this bus are RabbitMQ direct reply-to names (docs/bus.md, "RPC
 * conventions"), which the broker writes into a request when its caller publishes with
 * `replyTo: amq.rabbitmq.reply-to`:
 *
 *   amq.rabbitmq.reply-to.<base64 of an Erlang pid in external term format>.<key, base64>
 *
 * where the pid is that of the caller's channel, with its node name replaced by `reply@<hash of
 * the node name>` (the encoding of every RabbitMQ since 3.10; `rabbit_direct_reply_to`). A reply
 * is published to the default exchange under that name and the broker decodes it in the
 * publishing channel's process. On RabbitMQ 3.10-3.12 a name it cannot decode (bad base64, a term
 * that is not such a pid, trailing bytes, another node-name form, an atom it does not expect)
 * CRASHES that channel process, and RabbitMQ then closes the publisher's whole CONNECTION with
 * 541 INTERNAL_ERROR: every consumer of that connection goes, its unacked request comes back, and
 * the next attempt crashes again (issue 11, item 2). Measured on 3.10.8:
 * libs/transport/test/amqp/reply-address.integration.test.ts.
 *
 * So this accepts exactly the names such a broker generates, and refuses anything else with the
 * reason. What no check can know from here: whether the hash names a node that is running now. A
 * well-formed name of a node that has left the cluster still crashes the publisher on those
 * versions; that is why replies go out on a connection of their own (reply-channel.ts). A name of
 * a caller that has merely gone away (its channel closed) is harmless: the broker drops the reply.
 */

export const DIRECT_REPLY_TO_PREFIX = 'amq.rabbitmq.reply-to.';

/** Erlang external term format tags (erts/emulator/beam/external.h). */
const VERSION_MAGIC = 131;
const NEW_PID_EXT = 88;
const ATOM_UTF8_EXT = 118;
const SMALL_ATOM_UTF8_EXT = 119;
/** Base64 as Erlang's base64:encode writes it: the standard alphabet, padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** erlang:phash2/1 of the node name (27 bits by default) in decimal */
const REPLY_NODE = /^reply@[0-9]{1,10}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Names accepted lately: a caller's address is the same for every request of its channel (one
 * gateway: one name), so the check (~2 µs) runs once per caller, not once per request.
 */
const accepted = new Set<string>();
const ACCEPTED_MAX = 256;

/** Why `replyTo` cannot be a direct reply-to address of a RabbitMQ >= 3.10, or undefined if it can. */
export function directReplyToProblem(replyTo: string): string | undefined {
  if (accepted.has(replyTo)) return undefined;
  const problem = check(replyTo);
  if (problem === undefined) {
    if (accepted.size >= ACCEPTED_MAX) accepted.clear();
    accepted.add(replyTo);
  }
  return problem;
}

function check(replyTo: string): string | undefined {
  if (!replyTo.startsWith(DIRECT_REPLY_TO_PREFIX)) return `not a direct reply-to address (${DIRECT_REPLY_TO_PREFIX}…)`;
  const parts = replyTo.slice(DIRECT_REPLY_TO_PREFIX.length).split('.');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return 'a direct reply-to address is <channel>.<key>';
  const [channel, key] = parts as [string, string];
  if (!BASE64.test(key)) return 'the key of the direct reply-to address is not base64';
  if (!BASE64.test(channel)) return 'the channel of the direct reply-to address is not base64';
  return pidProblem(Buffer.from(channel, 'base64'));
}

/** The channel part: exactly one NEW_PID_EXT term whose node is `reply@<digits>`. */
function pidProblem(term: Buffer): string | undefined {
  const bad = (why: string) => `the channel of the direct reply-to address is not an encoded channel id (${why})`;
  if (term.length < 2 || term[0] !== VERSION_MAGIC || term[1] !== NEW_PID_EXT) return bad('no pid term');
  let offset = 2;
  const tag = term[offset++];
  let length: number;
  if (tag === ATOM_UTF8_EXT && term.length >= offset + 2) {
    length = term.readUInt16BE(offset);
    offset += 2;
  } else if (tag === SMALL_ATOM_UTF8_EXT && term.length >= offset + 1) {
    length = term[offset++]!;
  } else {
    return bad('no node name');
  }
  // the node atom, then ID, serial and creation (4 bytes each), and nothing after
  if (term.length !== offset + length + 12) return bad('wrong length');
  let node: string;
  try {
    node = utf8.decode(term.subarray(offset, offset + length));
  } catch {
    return bad('node name not UTF-8');
  }
  if (!REPLY_NODE.test(node)) return bad('node name not reply@<hash>');
  return undefined;
}
