/**
 * One socket write per turn of the event loop instead of one per AMQP frame.
 *
 * amqplib queues every outgoing frame (publish, ack, reply) in its channel's buffer and a `Mux`
 * drains those buffers on `setImmediate`, calling `socket.write()` once per frame. With
 * `noDelay: true` (required: with Nagle on, RPC throughput collapses) each of those writes is its
 * own `write(2)` syscall and its own TCP segment, which the broker then reads one by one. Under
 * load a worker sends a reply, an event and an ack per command, and a profile of the POST status
 * benchmark put 27 % of the worker's CPU in those writes (docs/performance.md).
 *
 * Corking the socket for the duration of one drain turns all the frames of that turn into a
 * single `writev(2)`; uncorking at the end of the same drain sends them at once, so no frame waits
 * longer than it did before (it is still flushed in the turn it was drained). amqplib's own flow
 * control is unchanged: `write()` still returns false past the socket's high-water mark, the Mux
 * stops reading and resumes on 'drain'.
 *
 * This reaches into amqplib internals (`ChannelModel.connection.muxer._readIncoming`, stable from
 * 0.10 to 2.x). If they are not there, nothing is patched and false is returned: the connection
 * works as before, only without the coalescing.
 */
import type { ChannelModel } from 'amqplib';

interface CorkableStream {
  cork(): void;
  uncork(): void;
}

interface MuxInternals {
  out?: CorkableStream;
  _readIncoming?: () => void;
  __qubicleCoalesced?: boolean;
}

/** Patches one connection's frame writer to cork its socket around each drain; true if patched. */
export function coalesceWrites(model: ChannelModel): boolean {
  const mux = (model as unknown as { connection?: { muxer?: MuxInternals } }).connection?.muxer;
  if (!mux || typeof mux._readIncoming !== 'function') return false;
  const out = mux.out;
  if (!out || typeof out.cork !== 'function' || typeof out.uncork !== 'function') return false;
  if (mux.__qubicleCoalesced) return true;
  const drain = mux._readIncoming;
  mux._readIncoming = function coalescedReadIncoming(this: MuxInternals) {
    out.cork();
    try {
      drain.call(this);
    } finally {
      out.uncork();
    }
  };
  mux.__qubicleCoalesced = true;
  return true;
}
