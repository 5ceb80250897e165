/**
 * What one socket's principal may bind and see: its subscriptions (keyed by the normalised
 * binding), the account rule (a principal binds and unbinds only in its own account), the limit
 * per connection, and the visibility of a recipient to a set of bindings (which recipients a
 * snapshot includes). Knows nothing of snapshots or of sending.
 */
import {
  QUEUE_EVENTS,
  RECIPIENT_EVENTS,
  SESSION_EVENTS,
  liveBindingKind,
  liveBindingProblem,
  liveEventKey,
  liveQueueSideEventKey,
  normalizeLiveBinding,
  type LiveSubscribeRequest,
  type LiveUnsubscribeRequest,
} from '@qubicle/contracts';
import { topicMatches } from '@qubicle/transport';
import type { Principal } from '../auth/principal.js';
import { subscriptionKeys, type LiveBusEvent, type SubscriptionKeys } from './prepared-event.js';
import { Refusal } from './replies.js';

export interface Subscription extends SubscriptionKeys {
  name?: string;
  metadata?: Record<string, unknown>;
}

/** What a subscribe message asks for, checked; nothing is added until `add(fresh)`. */
export interface SubscribePlan {
  /** the bindings as the client sent them (echoed in the reply) */
  requested: string[];
  /** the subscriptions the message is about (existing ones as they are), for its snapshot */
  subs: Subscription[];
  /** the ones among `subs` that are new */
  fresh: Subscription[];
}

/** A recipient id that cannot appear literally in a binding (for the visibility shortcut). */
const PROBE_IDS = ['f'.repeat(32), 'e'.repeat(32)];

export class Subscriptions {
  private readonly byKey = new Map<string, Subscription>();
  /** the subscriptions as an array (the hot path iterates it) */
  private list: Subscription[] = [];

  constructor(private readonly maxSubscriptions: number) {}

  get size(): number {
    return this.byKey.size;
  }

  values(): readonly Subscription[] {
    return this.list;
  }

  /** The first subscription an event matches (its keys go into the event's frame). */
  matching(ev: LiveBusEvent): Subscription | undefined {
    for (const s of this.list) if (ev.matches(s.subscriptionKey)) return s;
    return undefined;
  }

  /** Checks a subscribe message of `p` (throws a Refusal) and says which subscriptions it is about. */
  plan(p: Principal, data: LiveSubscribeRequest['data']): SubscribePlan {
    if (data.account_id !== p.accountId) throw new Refusal('forbidden', ['account_id is not the account of the auth token']);
    const requested = data.binding !== undefined ? [data.binding] : (data.bindings ?? []);
    const problems = requested.map((b) => [b, liveBindingProblem(b)] as const).filter(([, why]) => why !== undefined);
    if (problems.length > 0) throw new Refusal('unsupported_binding', problems.map(([b, why]) => `${b}: ${why}`));

    // the subscriptions this message is about: existing ones are kept as they are
    const subs: Subscription[] = [];
    const fresh: Subscription[] = [];
    for (const b of requested) {
      const key = normalizeLiveBinding(b);
      if (subs.some((s) => s.subscriptionKey === key)) continue;
      const existing = this.byKey.get(key);
      if (existing) subs.push(existing);
      else {
        const sub: Subscription = subscriptionKeys(b, key);
        if (data.name !== undefined) sub.name = data.name;
        if (data.metadata !== undefined) sub.metadata = data.metadata;
        subs.push(sub);
        fresh.push(sub);
      }
    }
    if (this.byKey.size + fresh.length > this.maxSubscriptions) {
      throw new Refusal('too_many_subscriptions', [`at most ${this.maxSubscriptions} subscriptions per connection`]);
    }
    return { requested, subs, fresh };
  }

  add(fresh: readonly Subscription[]): void {
    for (const s of fresh) this.byKey.set(s.subscriptionKey, s);
    this.list = [...this.byKey.values()];
  }

  /** Removes what an unsubscribe message of `p` names (throws a Refusal); returns the bindings removed, as subscribed. */
  remove(p: Principal, data: LiveUnsubscribeRequest['data']): string[] {
    let removed: string[];
    if (!data || data.account_id === undefined) {
      // blackhole: no account_id = every subscription of the connection
      removed = this.clear();
    } else {
      if (data.account_id !== p.accountId) throw new Refusal('forbidden', ['account_id is not the account of the auth token']);
      const keys = data.binding !== undefined ? [data.binding] : (data.bindings ?? []);
      removed = [];
      for (const b of keys) {
        const sub = this.byKey.get(normalizeLiveBinding(b));
        if (sub && this.byKey.delete(sub.subscriptionKey)) removed.push(sub.subscribedKey);
      }
      if (keys.length === 0) removed = this.clear();
    }
    this.list = [...this.byKey.values()];
    return removed;
  }

  private clear(): string[] {
    const all = [...this.byKey.values()].map((s) => s.subscribedKey);
    this.byKey.clear();
    return all;
  }
}

/** Can any event of recipient `rid` match the (normalised) binding? */
export function canSee(pattern: string, rid: string): boolean {
  return RECIPIENT_EVENTS.some((e) => topicMatches(pattern, liveEventKey(rid, e)));
}

/**
 * `rid => visible to one of subs`. A binding that does not name `rid` literally sees it exactly
 * when it sees a recipient it does not name either, so that answer is computed once per binding.
 */
export function visibility(subs: readonly Subscription[]): (rid: string) => boolean {
  const generic = subs.map((s) => {
    const words = s.subscriptionKey.split('.');
    const probe = PROBE_IDS.find((id) => !words.includes(id)) ?? PROBE_IDS[0]!;
    return { words, sees: canSee(s.subscriptionKey, probe) };
  });
  return (rid) => subs.some((s, i) => (generic[i]!.words.includes(rid) ? canSee(s.subscriptionKey, rid) : generic[i]!.sees));
}

/** Can any event of queue or session `id` match the (normalised) binding? Only a binding naming the kind can. */
export function canSeeQueueSide(kind: 'queue' | 'session', pattern: string, id: string): boolean {
  if (liveBindingKind(pattern) !== kind) return false;
  return (kind === 'queue' ? QUEUE_EVENTS : SESSION_EVENTS).some((e) => topicMatches(pattern, liveQueueSideEventKey(kind, id, e)));
}

/** The first of `subs` that can see queue or session `id`, if any. */
export function queueSideSubscription(kind: 'queue' | 'session', subs: readonly Subscription[], id: string): Subscription | undefined {
  return subs.find((s) => canSeeQueueSide(kind, s.subscriptionKey, id));
}
