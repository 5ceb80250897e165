/** docs/bus.md shows the message reference generated from the contracts and the shard vectors computed with shardOf (`npm run docs:bus`). */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { DIRECTORY_SCHEMAS, SHARD_MESSAGE_SCHEMAS, shardOf } from '@qubicle/contracts';
import {
  BUS_DOC,
  MESSAGE_GROUPS,
  SHARD_VECTOR_COUNTS,
  SHARD_VECTOR_INPUTS,
  renderMessageReference,
  renderShardVectors,
  replyExportName,
  replySchemaExports,
  withCurrentBusDocs,
} from '../../scripts/lib/bus-docs.js';
import { fieldRows, schemaTable } from '../../scripts/lib/schema-table.js';

const doc = () => readFileSync(BUS_DOC, 'utf8');

describe('scripts: bus message reference in docs/bus.md', () => {
  it('holds the reference and the vectors generated from the code (run `npm run docs:bus` after changing a contract)', () => {
    const text = doc();
    assert.equal(text, withCurrentBusDocs(text), `${BUS_DOC} is out of date: run npm run docs:bus`);
    assert.ok(text.includes(renderMessageReference()));
    assert.ok(text.includes(renderShardVectors()));
  });

  it('documents every message the workers route, shard queue and directory', () => {
    const text = doc();
    const documented = new Set(MESSAGE_GROUPS.flatMap((g) => g.messages.map((m) => m.name)));
    for (const type of [...Object.keys(SHARD_MESSAGE_SCHEMAS), ...Object.keys(DIRECTORY_SCHEMAS)]) {
      assert.ok(documented.has(type), `${type} is not in the registry`);
      assert.ok(text.includes(`#### \`${type}\``), `${type} has no section in ${BUS_DOC}`);
    }
  });

  it('renders every reply schema the contracts export, under its message when the name matches', () => {
    const reference = renderMessageReference();
    for (const name of replySchemaExports().keys()) assert.ok(reference.includes(`\`${name}\``), `${name} is not rendered`);
    // the convention that picks a message's reply up: get_snapshot → getSnapshotReplySchema
    assert.equal(replyExportName('get_snapshot'), 'getSnapshotReplySchema');
    assert.match(reference, /#### `get_snapshot`[\s\S]*?Reply `data` \(`getSnapshotReplySchema`\)/);
  });

  it('vector rows are what shardOf answers', () => {
    const text = doc();
    for (const [account, recipient] of SHARD_VECTOR_INPUTS) {
      const cells = SHARD_VECTOR_COUNTS.map((n) => String(shardOf(account, recipient, n))).join(' | ');
      assert.ok(text.includes(`| \`${account}\` | \`${recipient}\` | `) && text.includes(` | ${cells} |`), `${account}/${recipient}`);
    }
  });
});

describe('scripts: schema tables', () => {
  const schema = {
    type: 'object',
    required: ['id', 'items'],
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
      items: { type: 'array', minItems: 1, maxItems: 5, items: { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 0 } } } },
      mode: { enum: ['a', 'b'] },
      map: { type: 'object', additionalProperties: { type: 'boolean' } },
    },
    additionalProperties: false,
  };

  it('flattens nested objects, arrays and maps into dotted fields with their rules', () => {
    const rows = fieldRows(schema);
    assert.deepEqual(
      rows.map((r) => [r.field, r.type, r.required, r.rules]),
      [
        ['id', 'string', true, 'KAZOO id (32 lowercase hex)'],
        ['items', 'array of object', true, 'items 1..5'],
        ['items[].n', 'integer', true, '≥ 0'],
        ['mode', '`"a"` | `"b"`', false, ''],
        ['map', 'object', false, ''],
        ['map.{key}', 'boolean', false, ''],
      ],
    );
  });

  it('escapes the pipes of an enum inside a markdown cell', () => {
    assert.ok(schemaTable(schema).includes('| `mode` | `"a"` \\| `"b"` |  |  |'));
  });
});
