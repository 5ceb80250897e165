/** Crossbar paging of a list route: ?page_size= and ?start_key= (the previous page's next_start_key). */
import type { GatewayContext } from '../context.js';
import { failures } from '../crossbar/errors.js';

export interface PagingRules {
  pageDefault: number;
  pageMax: number;
  /** What a start key of this list looks like (its next_start_key's form). */
  startKeyPattern: string;
}

/** ?page_size= (1..pageMax, default pageDefault) and ?start_key= (a next_start_key from an earlier page). */
export function pagingOf(ctx: GatewayContext, rules: PagingRules): { pageSize: number; startKey?: string } {
  const rawSize = ctx.query['page_size'];
  const rawKey = ctx.query['start_key'];
  let pageSize = rules.pageDefault;
  if (rawSize !== undefined) {
    const text = Array.isArray(rawSize) ? rawSize[0] : rawSize;
    const n = text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n)) {
      throw failures.invalidData({ page_size: { type: { message: 'Value is not of type integer', cause: text, target: 'integer' } } });
    }
    if (n < 1) throw failures.invalidData({ page_size: { minimum: { message: 'Value must be at least 1', cause: n, target: 1 } } });
    if (n > rules.pageMax) {
      throw failures.invalidData({
        page_size: { maximum: { message: `Value must be at most ${rules.pageMax}`, cause: n, target: rules.pageMax } },
      });
    }
    pageSize = n;
  }
  if (rawKey === undefined) return { pageSize };
  const startKey = Array.isArray(rawKey) ? rawKey[0] : rawKey;
  if (startKey === undefined || !new RegExp(rules.startKeyPattern).test(startKey)) {
    throw failures.invalidData({ start_key: { pattern: { message: 'Invalid start_key (use next_start_key of the previous page)', cause: startKey ?? '' } } });
  }
  return { pageSize, startKey };
}

/** The one value of a query parameter (the first when repeated), or undefined. */
export function queryValue(ctx: GatewayContext, name: string): string | undefined {
  const raw = ctx.query[name];
  return Array.isArray(raw) ? raw[0] : raw;
}
