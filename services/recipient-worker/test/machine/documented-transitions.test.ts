/**
 * docs/state-machine.md numbers every transition (its state diagram's arrows are those numbers;
 * docs/bus.md's "events of each command" cites them). Each row is replayed here through the real
 * machine, and the row's "to" and "events" columns are read from the document, so that the table
 * and the code cannot drift apart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RECIPIENT_EVENTS, awayCatalogueOf, type AvailabilityState, type RecipientEventName } from '@qubicle/contracts';
import type { MachineInput, TransitionResult } from '../../src/machine/index.js';
import { OTHER, Session, cmd, eventNames, makeCtx, monitorInput, offerCmd } from '../support/machine-fixtures.js';

const DOC = fileURLToPath(new URL('../../../../docs/state-machine.md', import.meta.url));
const ARCHITECTURE = fileURLToPath(new URL('../../../../docs/architecture.md', import.meta.url));

/** The mermaid state diagram of a document. */
function stateDiagram(file: string): string {
  const m = /```mermaid\nstateDiagram-v2\n[\s\S]*?```/.exec(readFileSync(file, 'utf8'));
  assert.ok(m, `${file} has no mermaid state diagram`);
  return m[0];
}

interface DocRow {
  to: string;
  events: string;
}

/** The numbered rows of the transitions table: number → its "to" and "events" cells. */
function documentedRows(): Map<number, DocRow> {
  const rows = new Map<number, DocRow>();
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\| (\d+) \|/.exec(line);
    if (!m) continue;
    // cells: # | from | input | to | effects | events | rule (no cell holds an escaped pipe)
    const cells = line.slice(1, -1).split('|').map((c) => c.trim());
    rows.set(Number(m[1]), { to: cells[3]!, events: cells[5]! });
  }
  return rows;
}

const EVENT_NAMES = new Set<string>(RECIPIENT_EVENTS);
/** Event names in backticks, in order; `withOptional: false` leaves out those in parentheses. */
function namesIn(text: string, withOptional: boolean): string[] {
  const kept = withOptional ? text : text.replace(/\([^()]*\)/g, '');
  return [...kept.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!).filter((n) => EVENT_NAMES.has(n));
}

interface Case {
  /** builds the state before the row and returns the row's input */
  given: (s: Session) => MachineInput;
  /** the state after it (null: Not-Logged-In) */
  state: AvailabilityState | null;
  events: RecipientEventName[];
}

const loggedIn = (s: Session) => s.login();
const ready = (s: Session) => s.login().ready();
const offered = (s: Session, wrapup = 30) => s.login().ready().offered('call-1', { wrapup });
const onCall = (s: Session, wrapup = 30) => offered(s, wrapup).answered('call-1');
const inWrapup = (s: Session) => onCall(s).hungUp('call-1');
const logout = () => cmd({ type: 'logout' });
/** A session whose account has a catalogue: lunch (back to Ready after 1 h), smoke (an alert after 10 min). */
const withReasons = (s: Session) => {
  s.ctx = makeCtx({
    account: {
      away_reasons: awayCatalogueOf([
        { name: 'lunch', label: 'Lunch', productive: false, max_duration_seconds: 3600, on_max: 'ready' },
        { name: 'smoke', label: 'Smoke', productive: false, max_duration_seconds: 600, on_max: 'alert' },
      ]),
    },
  });
  return s;
};

const CASES: Record<number, Case> = {
  1: { given: () => cmd({ type: 'login' }), state: 'Away', events: ['create'] },
  2: {
    given: (s) => {
      onCall(s).apply(logout());
      return cmd({ type: 'login' });
    },
    state: 'On-A-Call',
    events: ['next_state'],
  },
  3: { given: (s) => (loggedIn(s), cmd({ type: 'login' })), state: 'Away', events: [] },
  4: { given: (s) => (loggedIn(s), cmd({ type: 'set_status', status: 'ready' })), state: 'Ready', events: ['ready'] },
  5: { given: (s) => (ready(s), cmd({ type: 'set_status', status: 'away' })), state: 'Away', events: ['away'] },
  6: {
    given: (s) => {
      s.ctx = makeCtx({ account: { missed_call_threshold: 1 } });
      offered(s).apply(cmd({ type: 'reject', session_id: 'call-1' }));
      assert.equal(s.s.away_reason, 'missed_calls');
      return cmd({ type: 'set_status', status: 'away' });
    },
    state: 'Away',
    events: ['away'],
  },
  7: { given: (s) => (ready(s), cmd({ type: 'set_status', status: 'ready' })), state: 'Ready', events: [] },
  8: { given: (s) => (onCall(s), cmd({ type: 'set_status', status: 'away' })), state: 'On-A-Call', events: ['next_state'] },
  9: { given: (s) => (onCall(s), cmd({ type: 'set_status', status: 'away', queue_id: 'c0000000000000000000000000000009' })), state: 'On-A-Call', events: ['queue_status'] },
  10: { given: (s) => (ready(s), offerCmd('call-1')), state: 'Call-Offer', events: ['offer'] },
  11: { given: (s) => (loggedIn(s), offerCmd('call-1')), state: 'Away', events: [] },
  12: { given: (s) => (offered(s), cmd({ type: 'answer', session_id: 'call-1' })), state: 'On-A-Call', events: ['delivered'] },
  13: { given: (s) => (offered(s), cmd({ type: 'reject', session_id: 'call-1' })), state: 'Ready', events: ['reject', 'ready'] },
  14: {
    given: (s) => (offered(s), { type: 'offer_timeout', session_id: 'call-1', deadline: s.s.offer_deadline! }),
    state: 'Ready',
    events: ['miss', 'ready'],
  },
  15: { given: (s) => (offered(s), cmd({ type: 'withdraw', session_id: 'call-1', reason: 'caller_hangup' })), state: 'Ready', events: ['withdraw', 'ready'] },
  16: { given: (s) => (onCall(s), cmd({ type: 'hangup', session_id: 'call-1' })), state: 'Wrapup-Time', events: ['hangup', 'wrapup'] },
  17: { given: (s) => (onCall(s, 0), cmd({ type: 'hangup', session_id: 'call-1' })), state: 'Ready', events: ['hangup', 'ready'] },
  18: { given: (s) => (inWrapup(s), { type: 'wrapup_end', deadline: s.s.wrapup_deadline! }), state: 'Ready', events: ['wrapup_end', 'ready'] },
  19: { given: (s) => (inWrapup(s), cmd({ type: 'wrapup_cancel' })), state: 'Ready', events: ['wrapup_end', 'ready'] },
  20: { given: (s) => (inWrapup(s), cmd({ type: 'wrapup_extend' })), state: 'Wrapup-Time', events: ['wrapup'] },
  21: { given: (s) => (ready(s), logout()), state: null, events: ['delete'] },
  22: { given: (s) => (offered(s), logout()), state: null, events: ['withdraw', 'delete'] },
  23: { given: (s) => (inWrapup(s), logout()), state: 'Wrapup-Time', events: ['next_state'] },
  24: { given: () => logout(), state: null, events: [] },
  25: { given: (s) => (ready(s), monitorInput(OTHER)), state: 'Ready', events: ['wiretap'] },
  26: {
    given: (s) => {
      ready(s).apply(monitorInput(OTHER));
      return cmd({ type: 'monitor_stop' });
    },
    state: 'Ready',
    events: ['wiretap_stop'],
  },
  27: {
    given: (s) => {
      ready(s).apply(monitorInput(OTHER));
      return { type: 'monitor_target_gone', target_id: OTHER };
    },
    state: 'Ready',
    events: ['wiretap_stop'],
  },
  28: { given: (s) => (ready(withReasons(s)), cmd({ type: 'set_status', status: 'away', reason: 'lunch', duration_seconds: 60 })), state: 'Away', events: ['away'] },
  29: {
    given: (s) => {
      ready(withReasons(s)).apply(cmd({ type: 'set_status', status: 'away', duration_seconds: 60 }));
      return { type: 'away_end', deadline: s.s.away_deadline! };
    },
    state: 'Ready',
    events: ['ready'],
  },
  30: {
    given: (s) => {
      ready(withReasons(s)).apply(cmd({ type: 'set_status', status: 'away', reason: 'smoke' }));
      return { type: 'away_alert', deadline: s.s.away_alert_deadline! };
    },
    state: 'Away',
    events: ['away_alert'],
  },
};

describe('machine: the numbered transitions of docs/state-machine.md', () => {
  const rows = documentedRows();

  it('numbers the rows 1..N without a gap, and every row has a case here', () => {
    const numbers = [...rows.keys()];
    assert.ok(numbers.length > 0, 'no numbered rows found');
    assert.deepEqual(numbers, numbers.map((_, i) => i + 1));
    assert.deepEqual(numbers, Object.keys(CASES).map(Number));
  });

  it('the state diagram (here and in docs/architecture.md) numbers its arrows with rows of the table', () => {
    const diagram = stateDiagram(DOC);
    assert.equal(stateDiagram(ARCHITECTURE), diagram, 'docs/architecture.md shows the diagram of docs/state-machine.md');
    const labels = [...diagram.matchAll(/--> \w+ : (.*)$/gm)].map((m) => m[1]!);
    const numbers = labels.flatMap((l) => [...l.matchAll(/\b(\d+)\b/g)].map((m) => Number(m[1])));
    assert.ok(numbers.length >= 10);
    for (const n of numbers) assert.ok(rows.has(n), `the diagram names row ${n}, which the table does not have`);
    // the rows that leave their state are all drawn
    for (const n of [1, 4, 5, 10, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22]) assert.ok(numbers.includes(n), `row ${n} is not drawn`);
  });

  for (const [n, c] of Object.entries(CASES)) {
    it(`row ${n}: the machine ends where the row says, with the row's events`, () => {
      const row = rows.get(Number(n));
      assert.ok(row, `row ${n} is not in the document`);
      const session = new Session();
      session.at(0);
      const input = c.given(session);
      session.later(1_000);
      const result: TransitionResult = session.apply(input);
      assert.equal(session.state?.availability_state ?? null, c.state);
      assert.deepEqual(eventNames(result), c.events);

      // the document: "to", and the events column ("then next" = one more event: ready, away or delete)
      if (row.to === 'next') assert.ok(['Ready', 'Away', null].includes(c.state), `row ${n}: next is Ready, Away or out`);
      else if (row.to === '(same)') assert.notEqual(c.state, null);
      else assert.ok(row.to.includes(c.state ?? 'Not-Logged-In'), `row ${n}: the document says ${row.to}`);
      const required = namesIn(row.events, false);
      const thenNext = row.events.includes('then next');
      assert.deepEqual(c.events.slice(0, required.length), required, `row ${n}: events column ${row.events}`);
      assert.equal(c.events.length, required.length + (thenNext ? 1 : 0), `row ${n}: events column ${row.events}`);
      for (const optional of namesIn(row.events, true)) assert.ok(EVENT_NAMES.has(optional));
    });
  }
});
