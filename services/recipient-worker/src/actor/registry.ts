/**
 * The actors of one node, keyed by account, then recipient. An actor exists while its recipient
 * is logged in (or while an input for a recipient who is not is being handled); the
 * registry forgets it as soon as it is logged out with nothing left in its mailbox.
 *
 * Memory per logged-in recipient matters (100,000 on one node, docs/performance.md): the inner
 * maps are keyed by the recipient id string the actor and its state already hold (no composite
 * key string per recipient), every actor of an account shares one account id string, and one
 * settle callback serves all actors.
 */
import { shardOf, type RecipientState, type RpcReply } from '@qubicle/contracts';
import type { MachineInput } from '../machine/index.js';
import type { Fence } from '../store/port.js';
import { RecipientActor, type ActorEnv } from './recipient-actor.js';

export class ActorRegistry {
  /** account id → recipient id → actor; the outer key string is the one every actor of the account shares */
  private readonly accounts = new Map<string, Map<string, RecipientActor>>();
  private count = 0;
  /** Shared by every actor (one closure per actor would cost memory per recipient). */
  private readonly settled = (actor: RecipientActor): void => {
    // Logged out (or never logged in) and nothing queued: forget it.
    if (actor.state === null && this.peek(actor.key.accountId, actor.key.recipientId) === actor) this.remove(actor);
  };

  constructor(
    private readonly env: ActorEnv,
    readonly shardCount: number,
  ) {}

  shardOf(accountId: string, recipientId: string): number {
    return shardOf(accountId, recipientId, this.shardCount);
  }

  /**
   * Feeds an input to the recipient's actor, creating it if needed (it reads its state from
   * the store on its first input). The caller has checked that this node owns the shard: the
   * ownership gate's admission, whose fence (`admitted`) the actor writes under.
   */
  dispatch(accountId: string, recipientId: string, input: MachineInput, admitted?: Fence): Promise<RpcReply<unknown>> {
    return this.getOrCreate(accountId, recipientId).send(input, admitted);
  }

  /** The actor in memory, if any (no store read). */
  peek(accountId: string, recipientId: string): RecipientActor | undefined {
    return this.accounts.get(accountId)?.get(recipientId);
  }

  /** Installs a state loaded with its shard (re-arming its timers). Replaces a stale actor. */
  adopt(state: RecipientState, shard: number): RecipientActor {
    const stale = this.peek(state.account_id, state.recipient_id);
    if (stale) {
      stale.stop();
      this.remove(stale);
    }
    const actor = this.create(state.account_id, state.recipient_id, shard);
    actor.adopt(state);
    return actor;
  }

  /** Stops and forgets every actor of `shard` (no writes: the shard is gone or handed over). */
  dropShard(shard: number): number {
    let dropped = 0;
    for (const actor of this.all()) {
      if (actor.key.shard !== shard) continue;
      actor.stop();
      this.remove(actor);
      dropped++;
    }
    return dropped;
  }

  /** Local actors monitoring `targetId` of that account are told that it logged out. */
  targetLoggedOut(accountId: string, targetId: string): Array<Promise<RpcReply<unknown>>> {
    const replies: Array<Promise<RpcReply<unknown>>> = [];
    for (const actor of this.accounts.get(accountId)?.values() ?? []) {
      const state = actor.state;
      if (state && state.wiretapping_recipient === targetId) {
        replies.push(actor.send({ type: 'monitor_target_gone', target_id: targetId }));
      }
    }
    return replies;
  }

  /** Resolves when every actor (of `shard`, or all) has handled what it was sent. */
  async drain(shard?: number): Promise<void> {
    for (;;) {
      const busy = [...this.all()].filter((a) => a.backlog > 0 && (shard === undefined || a.key.shard === shard));
      if (busy.length === 0) return;
      await Promise.all(busy.map((a) => a.idle()));
    }
  }

  /** Logged-in recipients in memory (per shard when given). */
  loggedIn(shard?: number): RecipientState[] {
    const out: RecipientState[] = [];
    for (const actor of this.all()) {
      if (actor.state && (shard === undefined || actor.key.shard === shard)) out.push(actor.state);
    }
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** Every actor (a snapshot: safe to remove while iterating). */
  private all(): RecipientActor[] {
    const out: RecipientActor[] = [];
    for (const actors of this.accounts.values()) for (const actor of actors.values()) out.push(actor);
    return out;
  }

  private getOrCreate(accountId: string, recipientId: string): RecipientActor {
    return this.peek(accountId, recipientId) ?? this.create(accountId, recipientId, this.shardOf(accountId, recipientId));
  }

  private create(accountId: string, recipientId: string, shard: number): RecipientActor {
    let actors = this.accounts.get(accountId);
    let account = accountId;
    if (actors) {
      // the shared string: the map's own key
      for (const a of actors.values()) {
        account = a.key.accountId;
        break;
      }
    } else {
      actors = new Map();
      this.accounts.set(accountId, actors);
    }
    const actor = new RecipientActor(this.env, { accountId: account, recipientId, shard }, this.settled);
    if (!actors.has(recipientId)) this.count++;
    actors.set(recipientId, actor);
    return actor;
  }

  private remove(actor: RecipientActor): void {
    const actors = this.accounts.get(actor.key.accountId);
    if (!actors || actors.get(actor.key.recipientId) !== actor) return;
    actors.delete(actor.key.recipientId);
    this.count--;
    if (actors.size === 0) this.accounts.delete(actor.key.accountId);
  }
}
