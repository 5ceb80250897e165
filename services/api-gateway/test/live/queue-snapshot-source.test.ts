/** The queue snapshot read (src/live/queue-snapshot-source.ts): status and callers at ONE seq. */
import assert from 'node:assert/strict';
import { QubicleFailure, type ListQueueSessionsReply, type QueueStatus, type QueueStatusEntry } from '@qubicle/contracts';
import { createQueueSnapshotSource, QUEUE_SNAPSHOT_ATTEMPTS } from '../../src/live/queue-snapshot-source.js';

const A = 'a'.repeat(32);
const Q = 'b'.repeat(32);
const GONE = 'c'.repeat(32);
const status = (n: number) => ({ stats: { active_session_count: n } }) as unknown as QueueStatus;

/** A fake of the two reads: each call answers the next seq of its script (the last one repeats). */
function source(script: { status: number[]; sessions: number[] }) {
  const calls = { status: 0, sessions: 0 };
  const at = (list: number[], i: number) => list[Math.min(i, list.length - 1)]!;
  const rpc = {
    callDirectory: async () => [{ id: Q }, { id: GONE }],
    queues: {
      status: async (_a: string, ids: readonly string[]) =>
        Object.fromEntries(ids.map((id) => [id, id === GONE ? 'unknown_queue' : ({ status: status(at(script.status, calls.status)), seq: at(script.status, calls.status++) } satisfies QueueStatusEntry)])),
      sessions: async (_a: string, id: string): Promise<ListQueueSessionsReply> => {
        if (id === GONE) throw new QubicleFailure({ code: 'not_found', message: 'gone' });
        const seq = at(script.sessions, calls.sessions++);
        return { queue_id: id, seq, sessions: [] };
      },
    },
  };
  return { src: createQueueSnapshotSource({ rpc: rpc as never }), calls };
}

describe('live: the queue snapshot read', () => {
  it('equal seqs: one read each; a queue deleted in between is left out', async () => {
    const { src, calls } = source({ status: [4], sessions: [4] });
    const read = await src.read(A);
    assert.deepEqual(read.ids, [Q, GONE]);
    assert.deepEqual(Object.keys(read.queues), [Q]);
    assert.equal(read.queues[Q]!.seq, 4);
    assert.deepEqual(calls, { status: 1, sessions: 1 });
  });

  it('an event between the two reads: the older side is read again until both are at one seq', async () => {
    const { src, calls } = source({ status: [4, 6], sessions: [5, 6] });
    const read = await src.read(A);
    assert.equal(read.queues[Q]!.seq, 6);
    assert.deepEqual(calls, { status: 2, sessions: 2 }, 'sessions 5 > status 4: status again (6); then sessions again (6)');
  });

  it('a queue that keeps changing: unavailable (retry) after the last attempt, never an inconsistent entry', async () => {
    const { src } = source({ status: [1, 3, 5, 7, 9, 11, 13], sessions: [2, 4, 6, 8, 10, 12, 14] });
    await assert.rejects(src.read(A), (err: unknown) => err instanceof QubicleFailure && err.error.code === 'unavailable' && /kept changing/.test(err.error.message));
    assert.ok(QUEUE_SNAPSHOT_ATTEMPTS >= 2);
  });
});
