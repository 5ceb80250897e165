import assert from 'node:assert/strict';
import { dayStartOf, isKnownTimeZone } from '../../src/queue/day.js';

const at = (iso: string) => Date.parse(iso);

describe('queue day boundary (dayStartOf)', () => {
  const table: Array<[string, string, string]> = [
    // [now, zone, start of that local day]
    ['2024-06-01T23:59:59.999Z', 'UTC', '2024-06-01T00:00:00.000Z'],
    ['2024-06-01T00:00:00.000Z', 'UTC', '2024-06-01T00:00:00.000Z'],
    ['2024-03-10T15:00:00Z', 'America/New_York', '2024-03-10T05:00:00.000Z'], // spring forward later that day (EST midnight)
    ['2024-03-10T03:30:00Z', 'America/New_York', '2024-03-09T05:00:00.000Z'], // still the 9th locally
    ['2024-11-03T20:00:00Z', 'America/New_York', '2024-11-03T04:00:00.000Z'], // fall back later that day (EDT midnight)
    ['2024-06-01T00:10:00Z', 'Asia/Kolkata', '2024-05-31T18:30:00.000Z'], // +05:30: already the 1st
    ['2024-06-01T12:00:00Z', 'Pacific/Chatham', '2024-06-01T11:15:00.000Z'], // +12:45: already the 2nd
    ['2024-09-08T12:00:00Z', 'America/Santiago', '2024-09-08T04:00:00.000Z'], // midnight skipped: the day starts at 01:00
    ['2024-04-07T12:00:00Z', 'America/Santiago', '2024-04-07T04:00:00.000Z'],
  ];
  for (const [now, zone, start] of table) {
    it(`${now} in ${zone} → ${start}`, () => assert.equal(new Date(dayStartOf(at(now), zone)).toISOString(), start));
  }

  it('UTC is the default', () => assert.equal(dayStartOf(at('2024-06-01T10:00:00Z')), at('2024-06-01T00:00:00Z')));

  it('every instant of a local day maps to the same start, the next day to a later one', () => {
    const zone = 'Europe/Paris';
    const start = dayStartOf(at('2024-10-27T12:00:00Z'), zone); // a 25-hour day
    for (let t = start; t < start + 25 * 3_600_000; t += 15 * 60_000) assert.equal(dayStartOf(t, zone), start);
    assert.equal(dayStartOf(start + 25 * 3_600_000, zone), start + 25 * 3_600_000);
  });

  it('an unknown zone is reported, not guessed', () => {
    assert.equal(isKnownTimeZone('Europe/Paris'), true);
    assert.equal(isKnownTimeZone('Mars/Olympus'), false);
    assert.throws(() => dayStartOf(0, 'Mars/Olympus'), RangeError);
  });
});
