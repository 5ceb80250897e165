import assert from 'node:assert/strict';
import { DAY0, QueueHarness, R } from '../support/queue-fixtures.js';

/** One caller who enters now and, after `wait` ms, is answered by r1 (Ready at once again). */
function answeredAfter(q: QueueHarness, sid: string, wait: number): void {
  q.join(sid);
  q.later(wait);
  q.ready(R(1));
  q.answered(R(1), sid);
  q.later(1);
  q.ready(R(1));
  q.away(R(1));
}

describe('queue machine: stats and service level', () => {
  it('average_wait: the day\'s average over every caller who left (answered or not); total/abandoned', () => {
    const q = new QueueHarness().start([R(1)], { service_level_seconds: 20 });
    answeredAfter(q, 's1', 10_000);
    answeredAfter(q, 's2', 30_000);
    q.join('s3');
    q.later(5000);
    q.hangup('s3');
    const st = q.status_();
    assert.equal(st.stats.total_sessions, 3);
    assert.equal(st.stats.abandoned_sessions, 1);
    assert.equal(st.stats.average_wait, 15); // (10 + 30 + 5) / 3
  });

  it('SL: answered within the threshold (inclusive) ÷ answered; SL2 counts short abandons as within', () => {
    const q = new QueueHarness().start([R(1)], { service_level_seconds: 20 });
    answeredAfter(q, 's1', 20_000); // within (≤)
    answeredAfter(q, 's2', 20_001); // not within
    q.join('s3');
    q.later(3000);
    q.hangup('s3'); // abandoned within
    const day = q.status_().service_level.day;
    assert.equal(day.answered, 2);
    assert.equal(day.answered_within, 1);
    assert.equal(day.abandoned_within, 1);
    assert.equal(day.sl_percent, 50);
    assert.equal(day.sl2_percent, 66.7);
    assert.equal(q.status_().service_level.threshold_seconds, 20);
  });

  it('wait buckets of answered and abandoned callers', () => {
    const q = new QueueHarness().start([R(1)]);
    answeredAfter(q, 's1', 5000);
    answeredAfter(q, 's2', 45_000);
    q.join('s3');
    q.later(700_000);
    q.hangup('s3');
    const buckets = q.status_().service_level.day.wait_buckets;
    assert.deepEqual(
      buckets.map((b) => [b.up_to_seconds, b.answered, b.abandoned]),
      [
        [10, 1, 0],
        [20, 0, 0],
        [30, 0, 0],
        [60, 1, 0],
        [120, 0, 0],
        [300, 0, 0],
        [600, 0, 0],
        [null, 0, 1],
      ],
    );
  });

  it('the last 15 minutes forget what is older; the day keeps it', () => {
    const q = new QueueHarness().start([R(1)]);
    answeredAfter(q, 's1', 1000);
    q.later(10 * 60_000);
    answeredAfter(q, 's2', 1000);
    assert.equal(q.status_().service_level.last_15_minutes.answered, 2);
    q.later(6 * 60_000);
    assert.equal(q.status_().service_level.last_15_minutes.answered, 1);
    q.later(15 * 60_000);
    assert.equal(q.status_().service_level.last_15_minutes.answered, 0);
    assert.equal(q.status_().service_level.day.answered, 2);
    assert.equal(q.status_().service_level.last_15_minutes.sl_percent, null);
  });

  it('a new day: the day\'s figures and the members\' counts start again; the estimate goes on', () => {
    const q = new QueueHarness().start([R(1)]);
    answeredAfter(q, 's1', 40_000);
    q.join('s2');
    const ewma = q.s.stats.ewma_wait_ms;
    assert.equal(ewma, 40_000);
    q.dayStart = DAY0 + 86_400_000;
    q.now = q.dayStart + 1000;
    // a read shows the new day without writing anything
    const before = q.state;
    const st = q.status_();
    assert.equal(q.state, before);
    assert.equal(st.stats.total_sessions, 0);
    assert.equal(st.service_level.day.answered, 0);
    assert.equal(st.stats.active_session_count, 1, 'callers still waiting are still there');
    // the next change rolls the day over for good
    q.join('s3');
    assert.equal(q.s.stats.day_start, q.dayStart);
    assert.equal(q.s.stats.total_sessions, 1);
    assert.equal(q.member(R(1))!.handled_calls, 0);
    assert.equal(q.s.stats.ewma_wait_ms, ewma);
  });

  it('estimated wait: Asterisk\'s running average (3 × old + sample) / 4 of answered waits', () => {
    const q = new QueueHarness().start([R(1)]);
    answeredAfter(q, 's1', 40_000);
    answeredAfter(q, 's2', 80_000);
    assert.equal(q.s.stats.ewma_wait_ms, (3 * 40_000 + 80_000) / 4);
    q.join('s3'); // nobody free, s3 just entered: the average wins
    assert.equal(q.status_().stats.estimated_wait, 50);
  });

  it('estimated wait: the longest current wait when the queue stalls (the average alone would not move)', () => {
    const q = new QueueHarness().start([R(1)]);
    answeredAfter(q, 's1', 10_000);
    q.join('s2');
    q.later(90_000);
    assert.equal(q.status_().stats.estimated_wait, 90);
  });

  it('estimated wait: 0 when a member is free and nobody waits unoffered', () => {
    const q = new QueueHarness().start([R(1), R(2)]);
    answeredAfter(q, 's1', 60_000);
    q.ready(R(1));
    assert.equal(q.status_().stats.estimated_wait, 0);
  });

  it('missed_sessions counts missed offers (rejected, no answer), not refusals or withdrawals', () => {
    const q = new QueueHarness().start([R(1)]).ready(R(1));
    q.join('s1');
    q.rejected(R(1), 's1');
    q.missed(R(1), 's1');
    q.refused(R(1), 's1');
    q.ready(R(1));
    q.hangup('s1');
    assert.equal(q.status_().stats.missed_sessions, 2);
  });
});
