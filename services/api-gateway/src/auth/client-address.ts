/**
 * The key a client address is counted under by the login limits. IPv4-mapped IPv6 addresses are
 * their IPv4 address; other IPv6 addresses count per /64 (one host is usually given a whole /64,
 * so counting single addresses would let it rotate through 2^64 of them). Anything unparsable
 * counts as itself (lower-cased).
 */
import { isIPv4, isIPv6 } from 'node:net';

export function addressKey(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(a)) return a;
  const bare = a.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  if (!isIPv6(bare)) return a;
  const groups = expandIPv6(bare);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : a;
}

/** The 8 groups of an IPv6 address (without leading zeros), or undefined. */
function expandIPv6(a: string): string[] | undefined {
  let text = a;
  // a trailing dotted IPv4 part is two groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [b0, b1, b2, b3] = v4[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1].length)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  return [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => (Number.parseInt(g, 16) || 0).toString(16));
}
