/**
 * Every validator the contracts export is the contract of something that arrives from outside
 * (fuzzed by one of the fuzz files) or of something we send (an output). A new contract (the queue
 * side's messages, say) fails here until it is placed: fuzz it, or say why it needs no fuzz row.
 */
import { strict as assert } from 'node:assert';
import * as contracts from '@qubicle/contracts';

const WHERE: Record<string, string> = {
  // HTTP bodies: http.test.ts, one row per route
  validateRecipientActionBody: 'http',
  validateApiAuthBody: 'http',
  validateBulkStatusSetBody: 'http',
  validateBulkStatusQueryBody: 'http',
  validateStatusSetBody: 'http',
  validateUserWriteBody: 'http',
  validateUserPatchBody: 'http',
  validateUserAuthBody: 'http',
  validateQueueWriteBody: 'http',
  validateQueuePatchBody: 'http',
  validateQueueRosterSetBody: 'http',
  validateQueueRolesSetBody: 'http',
  validateQueueMembershipQueryBody: 'http',
  validateQueueSessionActionBody: 'http',
  validateAwayReasonCreateBody: 'http',
  validateAwayReasonUpdateBody: 'http',
  validateAwayReasonPatchBody: 'http',
  // websocket client messages: websocket.test.ts, one row per action
  validateLiveClientMessage: 'websocket',
  // bus messages: bus.test.ts, one row per message type
  validateShardMessage: 'bus',
  validateDirectoryRequest: 'bus',
  validateClusterControl: 'bus',
  validatePresencePing: 'bus',
  validateRecipientEvent: 'bus',
  validateRecipientEventBatch: 'bus',
  validateRecipientEventBatchEnvelope: 'bus',
  validateAuthNotice: 'bus',
  // KAZOO's session messages on qubicle.queue.sessions: kazoo-sessions.test.ts
  validateCreateSessionMessage: 'bus',
  validateJoinQueueMessage: 'bus',
  validateDeleteSessionMessage: 'bus',
  validateQueueMessage: 'bus',
  // replies to the gateway's own calls (reply-to queues nobody else can name): the parse of
  // replies is tested in libs/transport/test/safe-parse.integration.test.ts
  validateRpcReply: 'reply',
  validateGetSnapshotReply: 'reply',
  // the data of every ok reply, by message type (libs/client validates each on receipt; tested in
  // libs/contracts/test/bus/reply-validation.test.ts and libs/client/test/shard-client.test.ts)
  validateShardReply: 'reply',
  validateDirectoryReply: 'reply',
  validateQueueReply: 'reply',
  // what the gateway sends (the test client checks every server message against them)
  validateLiveReply: 'output',
  validateLiveEventMessage: 'output',
  validateQueueStatus: 'output',
  validateQueueEvent: 'output',
  validateSessionEvent: 'output',
  validateCreateSessionReply: 'output',
  validateJoinQueueReply: 'output',
  validateDeleteSessionReply: 'output',
  // a stored catalogue entry (the directory checks a patched entry with it before writing): an output of our own merge
  validateAwayReason: 'output',
};

describe('fuzz: every contract is fuzzed or is an output', () => {
  it('every exported validator is placed', () => {
    const validators = Object.keys(contracts).filter((k) => k.startsWith('validate') && typeof (contracts as Record<string, unknown>)[k] === 'function');
    assert.deepEqual(validators.filter((v) => !(v in WHERE)), [], 'validators nobody fuzzes: add a row to a fuzz file and place it here');
    assert.deepEqual(Object.keys(WHERE).filter((v) => !validators.includes(v)), [], 'placed validators that no longer exist');
  });
});
