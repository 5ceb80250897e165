/**
 * Micro-benchmark of the one JSON parse of every entrance (libs/contracts wire/safe-json.ts)
 * against plain JSON.parse, on what the bus parses on its hot paths. Not part of `npm run bench`
 * (no service involved):
 *
 *   npx tsx --conditions=source bench/micro/safe-json.ts
 *
 * Prints ns/op of each and the difference. Cases: a typical ~1 KB command (a user_update with a
 * KAZOO users document), a small get_status, a 1,000-event feed batch (~0.5 MB; its many
 * brackets make the depth pre-count fall through to the full scan), and a 1 KB command whose
 * text names "constructor" in a value (the key walk runs).
 */
import { parseJson } from '@qubicle/contracts';

const ID = 'a'.repeat(32);
const user = {
  first_name: 'Alice',
  last_name: 'Agent',
  username: 'alice.agent',
  email: 'alice@example.com',
  priv_level: 'user',
  enabled: true,
  timezone: 'Europe/Paris',
  language: 'fr-fr',
  caller_id: { internal: { name: 'Alice Agent', number: '1001' }, external: { name: 'Example Support', number: '+33100000000' } },
  call_forward: { enabled: false, number: '', require_keypress: true, keep_caller_id: true, substitute: false },
  music_on_hold: {},
  vm_to_email_enabled: true,
  presence_id: '1001',
  qubicle: { enabled: true, permissions: { monitor: false } },
  ui_metadata: { version: '4.3-81', ui: 'monster-ui', origin: 'voip' },
  notes: 'x'.repeat(300),
};
const command = JSON.stringify({ type: 'user_update', account_id: ID, user_id: ID, user, rev: '3-9f2c1a' });
const small = JSON.stringify({ type: 'get_status', command_id: 'cmd-0123456789', account_id: ID, recipient_id: ID, shard_count: 64, by: { user_id: ID, priv_level: 'admin' } });
const event = { event: 'ready', account_id: ID, recipient_id: ID, seq: 1700000000000042, timestamp: 1700000000000, node: 'worker-1', status: { available: true, availability_state: 'Ready', queue_availability: {}, wrapup_time_seconds: 0, stats: { total_calls: 3, missed_calls: 0, avg_call_time: 42, login_time: 1700000000, last_action_time: 1700000000, last_handled_time: 0 }, node: 'worker-1' } };
const batch = JSON.stringify({ node: 'worker-1', events: Array.from({ length: 1000 }, () => event) });
const suspicious = command.replace('Europe/Paris', 'constructor');

/**
 * ns per parse of `plain` and `safe`, measured in alternating rounds (the machine is shared: a
 * burst of other work hits both alike) and reported as the best round of each. Each iteration
 * parses a DIFFERENT string with the same content (as the bus does: every message is a fresh
 * string from its buffer), so that nothing cached about one string object flatters either side.
 */
function compare(text: string, plain: (t: string) => unknown, safe: (t: string) => unknown): [number, number] {
  const copies = Array.from({ length: 256 }, () => Buffer.from(text).toString('utf8'));
  const iterations = Math.max(256, Math.round(5_000_000 / text.length));
  const round = (fn: (t: string) => unknown) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(copies[i & 255]!);
    return Number(process.hrtime.bigint() - started) / iterations;
  };
  round(plain);
  round(safe); // warm-up
  let bestPlain = Infinity;
  let bestSafe = Infinity;
  for (let r = 0; r < 21; r++) {
    bestPlain = Math.min(bestPlain, round(plain));
    bestSafe = Math.min(bestSafe, round(safe));
  }
  return [bestPlain, bestSafe];
}

const rows: Array<[string, string]> = [
  ['1 KB command (user_update)', command],
  ['small command (get_status)', small],
  ['event batch, 1000 events', batch],
  ['1 KB command naming "constructor"', suspicious],
];
process.stdout.write('case                               bytes   JSON.parse ns/op   parseJson ns/op   extra\n');
for (const [name, text] of rows) {
  const [plain, safe] = compare(text, (t) => JSON.parse(t), (t) => parseJson(t));
  process.stdout.write(
    `${name.padEnd(34)} ${String(text.length).padStart(6)}   ${plain.toFixed(0).padStart(16)}   ${safe.toFixed(0).padStart(15)}   ${`+${(safe - plain).toFixed(0)} ns (${(((safe - plain) / plain) * 100).toFixed(0)}%)`}\n`,
  );
}
