/**
 * Direct reply-to channel ids as RabbitMQ >= 3.10 writes them (amqp/direct-reply-to.ts), to build
 * well-formed and malformed reply addresses in tests: base64 of an Erlang NEW_PID_EXT term.
 */

/** base64 of a pid term on `node` (atom tag 118 = ATOM_UTF8_EXT as RabbitMQ writes it; 100 = latin-1 ATOM_EXT) */
export function pidName(node: string, id: number, serial: number, creation: number, atomTag: 100 | 118 = 118): string {
  const name = Buffer.from(node, atomTag === 100 ? 'latin1' : 'utf8');
  const numbers = Buffer.alloc(12);
  numbers.writeUInt32BE(id, 0);
  numbers.writeUInt32BE(serial, 4);
  numbers.writeUInt32BE(creation, 8);
  return Buffer.concat([Buffer.from([131, 88, atomTag, name.length >> 8, name.length & 255]), name, numbers]).toString('base64');
}
