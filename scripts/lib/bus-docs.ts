/**
 * The message reference of docs/bus.md, generated from the contract schemas (libs/contracts), and
 * the shard hash test vectors, computed with the real `shardOf`. `npm run docs:bus` rewrites the
 * generated parts; test/scripts/bus-docs.test.ts fails when the file and the code drift apart (the
 * same pattern as the configuration tables, scripts/lib/config-docs.ts).
 *
 * What is documented is a registry: the routing tables the workers validate with
 * (SHARD_MESSAGE_SCHEMAS, DIRECTORY_SCHEMAS) plus the broadcast messages. A message's reply schema
 * is found by export name: `<camelCase type>ReplySchema` (e.g. `get_snapshot` →
 * `getSnapshotReplySchema`), so a reply schema added to a message's file shows up here without
 * touching this file; a `…ReplySchema` export that matches no message is listed at the end rather
 * than left out (the test checks that every one is rendered).
 */
import * as contracts from '@qubicle/contracts';
import {
  AUTH_EXCHANGE,
  CONTROL_EXCHANGE,
  DIRECTORY_QUEUE,
  DIRECTORY_SCHEMAS,
  EVENTS_EXCHANGE,
  FEED_EXCHANGE,
  SHARD_MESSAGE_SCHEMAS,
  callInfoSchema,
  clusterControlSchema,
  commandBaseProperties,
  commandBaseRequired,
  createSessionMessageSchema,
  deleteSessionMessageSchema,
  joinQueueMessageSchema,
  kazooCallSchema,
  presencePingSchema,
  principalChangedSchema,
  queueEventSchema,
  queueStatsFiguresSchema,
  queueStatusSchema,
  serviceLevelWindowSchema,
  recipientEventBatchSchema,
  recipientEventSchema,
  recipientStatsSchema,
  recipientStatusSchema,
  rpcReplySchema,
  QUEUE_MESSAGE_SCHEMAS,
  sessionEventSchema,
  shardOf,
  tokenRevokedSchema,
} from '@qubicle/contracts';
import { cell, schemaNotes, schemaTable, type NamedSchema } from './schema-table.js';

export const BUS_DOC = 'docs/bus.md';

export const MESSAGES_BEGIN = '<!-- BEGIN GENERATED MESSAGE REFERENCE: `npm run docs:bus` rewrites this part from libs/contracts; do not edit by hand -->';
export const MESSAGES_END = '<!-- END GENERATED MESSAGE REFERENCE -->';
export const VECTORS_BEGIN = '<!-- BEGIN GENERATED SHARD VECTORS: `npm run docs:bus` computes them with shardOf; do not edit by hand -->';
export const VECTORS_END = '<!-- END GENERATED SHARD VECTORS -->';

/** One documented message: its name on the bus, its schema, and where it travels. */
export interface MessageEntry {
  /** the `type` (or event name) it is known by; also the key of its reply schema */
  name: string;
  schema: object;
  /** an RPC: its reply schema is looked up (`<name>ReplySchema`) */
  rpc: boolean;
}

export interface MessageGroup {
  title: string;
  anchor: string;
  /** where these messages travel and how (one paragraph) */
  intro: string;
  messages: MessageEntry[];
  /** where the reply `data` is described in prose while a message has no reply schema yet */
  replyProse?: string;
}

/** Schemas embedded in many messages: rendered once in "Common types", linked from each field. */
export const SHARED_SCHEMAS: readonly NamedSchema[] = [
  { name: 'RecipientStatus', anchor: 'type-recipientstatus', schema: recipientStatusSchema },
  { name: 'RecipientStats', anchor: 'type-recipientstats', schema: recipientStatsSchema },
  { name: 'CallInfo', anchor: 'type-callinfo', schema: callInfoSchema },
  { name: 'KazooCall', anchor: 'type-kazoocall', schema: kazooCallSchema },
  { name: 'QueueStatus', anchor: 'type-queuestatus', schema: queueStatusSchema },
  { name: 'QueueStatsFigures', anchor: 'type-queuestatsfigures', schema: queueStatsFiguresSchema },
  { name: 'ServiceLevelWindow', anchor: 'type-servicelevelwindow', schema: serviceLevelWindowSchema },
];

/**
 * The fields every recipient command shares (command-base.ts): shown once, in "Common command
 * fields", and left out of each command's table when the command embeds them unchanged.
 */
const COMMON_COMMAND_FIELDS = Object.keys(commandBaseProperties) as Array<keyof typeof commandBaseProperties>;
export const COMMON_COMMAND_ANCHOR = 'ref-common-command-fields';

/** The schema without the common command fields it embeds unchanged, and whether it had them all. */
function withoutCommonFields(schema: object): { schema: object; common: boolean } {
  const s = schema as { properties?: Record<string, unknown>; required?: string[] };
  const props = s.properties;
  if (!props || !COMMON_COMMAND_FIELDS.every((k) => props[k] === commandBaseProperties[k])) return { schema, common: false };
  const properties = Object.fromEntries(Object.entries(props).filter(([k]) => !(COMMON_COMMAND_FIELDS as string[]).includes(k)));
  const required = (s.required ?? []).filter((k) => !(COMMON_COMMAND_FIELDS as string[]).includes(k));
  return { schema: { ...schema, properties, required }, common: true };
}

function commonCommandSection(): string[] {
  const schema = { type: 'object', required: commandBaseRequired.filter((k) => k !== 'type'), properties: commandBaseProperties };
  return [
    `#### <a id="${COMMON_COMMAND_ANCHOR}"></a>Common command fields`,
    '',
    'Every recipient command has these besides its own `type` and fields (`libs/contracts/src/bus/commands/command-base.ts`); the tables below list only a command\'s own.',
    '',
    schemaTable(schema, SHARED_SCHEMAS),
    '',
  ];
}

const rpcs = (table: Record<string, object>): MessageEntry[] => Object.entries(table).map(([name, schema]) => ({ name, schema, rpc: true }));

export const MESSAGE_GROUPS: readonly MessageGroup[] = [
  {
    title: 'Shard commands',
    anchor: 'ref-shard-commands',
    intro:
      'On the shard queue of the recipient (`qubicle.recipient.shard.{n}`, default exchange), as an RPC (with `replyTo`) or fire-and-forget (without). The reply is the [RPC reply envelope](#ref-rpc-reply) with the `data` below.',
    messages: rpcs(SHARD_MESSAGE_SCHEMAS),
    replyProse: '[Commands](#commands)',
  },
  {
    title: 'Queue messages (to a running queue)',
    anchor: 'ref-queue-commands',
    intro:
      'On the shard queue of the QUEUE (`qubicle.recipient.shard.{n}` with n = `shardOf(account_id, queue_id, shard_count)`, the recipients\' hash: the same leases and fencing), RPC only, served by the queue\'s process (`libs/contracts/src/bus/queue/`, [queues.md](queues.md#bus-integration)). Each carries `command_id`, `account_id`, `shard_count` and optionally `by`, as a recipient command does (no `recipient_id`). The reply is the [RPC reply envelope](#ref-rpc-reply).',
    messages: rpcs(QUEUE_MESSAGE_SCHEMAS),
    replyProse: '[queues.md](queues.md#bus-integration)',
  },
  {
    title: 'Directory requests',
    anchor: 'ref-directory-requests',
    intro: `On \`${DIRECTORY_QUEUE}\` (default exchange), RPC only. The reply is the [RPC reply envelope](#ref-rpc-reply).`,
    messages: rpcs(DIRECTORY_SCHEMAS),
    replyProse: '[Directory requests](#directory-requests)',
  },
  {
    title: 'RPC reply envelope',
    anchor: 'ref-rpc-reply',
    intro: 'Every reply of a shard command, a directory request and a presence ping, to the caller\'s direct reply-to address (`libs/contracts/src/bus/rpc-reply.ts`).',
    messages: [{ name: 'rpc_reply', schema: rpcReplySchema, rpc: false }],
  },
  {
    title: 'Events',
    anchor: 'ref-events',
    intro: `\`recipient_event\`: one per message on \`${EVENTS_EXCHANGE}\` (topic, key \`qubicle.recipient.{account_id}.{recipient_id}.{event}\`). \`recipient_event_batch\`: the gateways' copy on \`${FEED_EXCHANGE}\` (fanout), every event one node published in one turn.`,
    messages: [
      { name: 'recipient_event', schema: recipientEventSchema, rpc: false },
      { name: 'recipient_event_batch', schema: recipientEventBatchSchema, rpc: false },
    ],
  },
  {
    title: 'Auth notices',
    anchor: 'ref-auth-notices',
    intro: `On \`${AUTH_EXCHANGE}\` (topic, key \`auth.{type}\`), from the directory to the gateways.`,
    messages: [
      { name: 'principal_changed', schema: principalChangedSchema, rpc: false },
      { name: 'token_revoked', schema: tokenRevokedSchema, rpc: false },
    ],
  },
  {
    title: 'Cluster control (between workers)',
    anchor: 'ref-cluster-control',
    intro: `\`cluster_control\`: on \`${CONTROL_EXCHANGE}\` (topic, key \`cluster.{type}\`). \`presence_ping\`: an RPC to a node's presence queue \`qubicle.node.{name}\`, answered \`{"ok": true, "data": {"node": …}}\`. Workers only; the gateways read \`shards_taken\`.`,
    messages: [
      { name: 'cluster_control', schema: clusterControlSchema, rpc: false },
      { name: 'presence_ping', schema: presencePingSchema, rpc: true },
    ],
    replyProse: 'the paragraph above',
  },
  {
    title: 'Queue session messages (KAZOO `qubicle_session`; contracts only, not served yet)',
    anchor: 'ref-queue-messages',
    intro: 'The contracts of the queue half ([queues.md](queues.md#session-messages-kazoo)); no worker serves them yet ([queues.md](queues.md#bus-integration)).',
    messages: [
      { name: 'create_session', schema: createSessionMessageSchema, rpc: true },
      { name: 'join_queue', schema: joinQueueMessageSchema, rpc: true },
      { name: 'delete_session', schema: deleteSessionMessageSchema, rpc: true },
      { name: 'queue_event', schema: queueEventSchema, rpc: false },
      { name: 'session_event', schema: sessionEventSchema, rpc: false },
    ],
    replyProse: '[queues.md](queues.md#session-messages-kazoo)',
  },
];

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The export name a message's reply schema has by convention. */
export function replyExportName(messageName: string): string {
  return `${camel(messageName)}ReplySchema`;
}

const exported = contracts as unknown as Record<string, unknown>;

/**
 * `…ReplySchema` exports that are not the reply of a bus message: the envelope itself (its own
 * section) and the websocket's reply (docs/live.md).
 */
export const NOT_MESSAGE_REPLIES: readonly string[] = ['rpcReplySchema', 'liveReplySchema'];

/** Every `…ReplySchema` export of the contracts that may be a bus message's reply, by export name. */
export function replySchemaExports(): Map<string, object> {
  const out = new Map<string, object>();
  for (const [name, value] of Object.entries(exported)) {
    if (name.endsWith('ReplySchema') && !NOT_MESSAGE_REPLIES.includes(name) && typeof value === 'object' && value !== null) out.set(name, value);
  }
  return out;
}

function messageSection(group: MessageGroup, m: MessageEntry, replies: Map<string, object>, used: Set<string>): string[] {
  const { schema, common } = withoutCommonFields(m.schema);
  const out = [`#### \`${m.name}\``, ''];
  if (common) out.push(`The [common command fields](#${COMMON_COMMAND_ANCHOR}), and:`, '');
  out.push(schemaTable(schema, SHARED_SCHEMAS));
  const notes = schemaNotes(m.schema);
  if (notes.length) out.push('', notes.join(' '));
  if (m.rpc) {
    const replyName = replyExportName(m.name);
    const reply = replies.get(replyName);
    if (reply) {
      used.add(replyName);
      out.push('', `Reply \`data\` (\`${replyName}\`):`, '', schemaTable(reply, SHARED_SCHEMAS));
      const replyNotes = schemaNotes(reply);
      if (replyNotes.length) out.push('', replyNotes.join(' '));
    } else {
      out.push('', `Reply \`data\`: no reply schema in the contracts yet (\`${replyName}\`); see ${group.replyProse ?? 'the section above'}.`);
    }
  }
  return [...out, ''];
}

/** The generated message reference, markers included. */
export function renderMessageReference(): string {
  const replies = replySchemaExports();
  const used = new Set<string>();
  const out: string[] = [MESSAGES_BEGIN, ''];
  out.push(
    'Generated from the JSON Schemas in `libs/contracts` (the ones the workers and gateways validate with). "required": the message is refused without it; "rules": the bounds checked; "KAZOO id": 32 lowercase hex characters. Times: `…_time` fields are unix **seconds**; `at`, `timestamp` and `expires_at` are **ms** since the epoch.',
    '',
  );
  for (const group of MESSAGE_GROUPS) {
    out.push(`### ${group.title}`, '', `<a id="${group.anchor}"></a>${group.intro}`, '');
    if (group.messages.some((m) => withoutCommonFields(m.schema).common)) out.push(...commonCommandSection());
    for (const m of group.messages) out.push(...messageSection(group, m, replies, used));
  }
  const others = [...replies.keys()].filter((n) => !used.has(n)).sort();
  if (others.length) {
    out.push('### Other reply schemas', '', 'Reply schemas of the contracts that match no message above by name.', '');
    for (const name of others) {
      const schema = replies.get(name)!;
      out.push(`#### \`${name}\``, '', schemaTable(schema, SHARED_SCHEMAS));
      const notes = schemaNotes(schema);
      if (notes.length) out.push('', notes.join(' '));
      out.push('');
    }
  }
  out.push('### Common types', '');
  for (const shared of SHARED_SCHEMAS) {
    out.push(`#### <a id="${shared.anchor}"></a>${shared.name}`, '', schemaTable(shared.schema, SHARED_SCHEMAS.filter((s) => s !== shared)));
    const notes = schemaNotes(shared.schema);
    if (notes.length) out.push('', notes.join(' '));
    out.push('');
  }
  out.push(MESSAGES_END);
  return out.join('\n');
}

/**
 * Recipients of the shard hash vectors: short ASCII keys (to check an implementation by hand) and
 * real-looking KAZOO ids. Each is hashed as `"{account_id}/{recipient_id}"` (UTF-16 code units = bytes
 * for these ASCII ids).
 */
export const SHARD_VECTOR_INPUTS: ReadonlyArray<readonly [account: string, recipient: string]> = [
  ['a', 'b'],
  ['4e9931870dc744828b8754c7cb985954', 'e091736d6545478b9313d19a80f45c59'],
  ['4e9931870dc744828b8754c7cb985954', '00000000000000000000000000000000'],
  ['4e9931870dc744828b8754c7cb985954', 'ffffffffffffffffffffffffffffffff'],
  ['3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', '8d0a4b2c6e1f4a3b9c7d5e2f1a0b3c4d'],
  ['3b3ec4a1b5c34a3b8f1e0c9d2a7b6e51', 'c0ffee00c0ffee00c0ffee00c0ffee00'],
  ['c6564319c5996b0db6f4e53d69db79d8', '1f2e3d4c5b6a79881f2e3d4c5b6a7988'],
  ['c6564319c5996b0db6f4e53d69db79d8', '0123456789abcdef0123456789abcdef'],
];
export const SHARD_VECTOR_COUNTS = [1, 7, 16, 64, 256, 1000] as const;

/** FNV-1a 32 of `"{account}/{recipient}"`: shardOf with 2^32 shards is the hash itself (a 32-bit value). */
export function shardHash(account: string, recipient: string): number {
  return shardOf(account, recipient, 2 ** 32);
}

export function renderShardVectors(): string {
  const head = `| account_id | recipient_id | FNV-1a 32 | ${SHARD_VECTOR_COUNTS.map((n) => `${n} shards`).join(' | ')} |`;
  const sep = `|---|---|---|${SHARD_VECTOR_COUNTS.map(() => '---').join('|')}|`;
  const rows = SHARD_VECTOR_INPUTS.map(([a, r]) => {
    const hash = shardHash(a, r);
    return `| \`${cell(a)}\` | \`${cell(r)}\` | \`0x${hash.toString(16).padStart(8, '0')}\` | ${SHARD_VECTOR_COUNTS.map((n) => String(shardOf(a, r, n))).join(' | ')} |`;
  });
  return [VECTORS_BEGIN, '', head, sep, ...rows, '', VECTORS_END].join('\n');
}

function replaceBetween(doc: string, begin: string, end: string, content: string): string {
  const b = doc.indexOf(begin);
  const e = doc.indexOf(end);
  if (b < 0 || e < b) throw new Error(`the generated-part markers are missing: ${begin.slice(0, 40)}…`);
  return doc.slice(0, b) + content + doc.slice(e + end.length);
}

/** The document with its generated parts replaced by the current ones. */
export function withCurrentBusDocs(doc: string): string {
  return replaceBetween(replaceBetween(doc, MESSAGES_BEGIN, MESSAGES_END, renderMessageReference()), VECTORS_BEGIN, VECTORS_END, renderShardVectors());
}
