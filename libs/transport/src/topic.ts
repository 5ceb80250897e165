/**
 * AMQP 0-9-1 topic matching as RabbitMQ does it: words are separated by `.`,
 * `*` matches exactly one word and `#` matches zero or more words.
 * An empty routing key / pattern is the empty list of words.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern === '' ? [] : pattern.split('.');
  const k = routingKey === '' ? [] : routingKey.split('.');
  // memo[i][j]: does p[i..] match k[j..]? Iterative DP to avoid exponential backtracking on many '#'.
  const cols = k.length + 1;
  const memo = new Uint8Array((p.length + 1) * cols); // 0 = unknown, 1 = false, 2 = true
  const match = (i: number, j: number): boolean => {
    const idx = i * cols + j;
    const cached = memo[idx];
    if (cached) return cached === 2;
    let result: boolean;
    if (i === p.length) {
      result = j === k.length;
    } else {
      const word = p[i];
      if (word === '#') {
        // zero words, or consume one word and stay on '#'
        result = match(i + 1, j) || (j < k.length && match(i, j + 1));
      } else if (j === k.length) {
        result = false;
      } else if (word === '*' || word === k[j]) {
        result = match(i + 1, j + 1);
      } else {
        result = false;
      }
    }
    memo[idx] = result ? 2 : 1;
    return result;
  };
  return match(0, 0);
}
