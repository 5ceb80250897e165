/**
 * The actors of one node, keyed by account/recipient. An actor exists while its recipient
 * is logged in (or while an input for a recipient who is not is being handled); the
 * registry forgets it as soon as it is logged out with nothing left in its mailbox.
 */
import { shardOf, type RecipientState, type RpcReply } from '@qubicle/contracts';
import type { MachineInput } from '../machine/index.js';
import { RecipientActor, type ActorEnv } from './recipient-actor.js';

const keyOf = (accountId: string, recipientId: string): string => `${accountId}/${recipientId}`;

export class ActorRegistry {
  private readonly actors = new Map<string, RecipientActor>();

  constructor(
    private readonly env: ActorEnv,
    readonly shardCount: number,
  ) {}

  shardOf(accountId: string, recipientId: string): number {
    return shardOf(accountId, recipientId, this.shardCount);
  }

  /**
   * Feeds an input to the recipient's actor, creating it if needed (it reads its state from
   * the store on its first input). The caller has checked that this node owns the shard.
   */
  dispatch(accountId: string, recipientId: string, input: MachineInput): Promise<RpcReply<unknown>> {
    return this.getOrCreate(accountId, recipientId).send(input);
  }

  /** The actor in memory, if any (no store read). */
  peek(accountId: string, recipientId: string): RecipientActor | undefined {
    return this.actors.get(keyOf(accountId, recipientId));
  }

  /** Installs a state loaded with its shard (re-arming its timers). Replaces a stale actor. */
  adopt(state: RecipientState, shard: number): RecipientActor {
    const key = keyOf(state.account_id, state.recipient_id);
    this.actors.get(key)?.stop();
    const actor = this.create(state.account_id, state.recipient_id, shard);
    actor.adopt(state);
    return actor;
  }

  /** Stops and forgets every actor of `shard` (no writes: the shard is gone or handed over). */
  dropShard(shard: number): number {
    let dropped = 0;
    for (const [key, actor] of this.actors) {
      if (actor.key.shard !== shard) continue;
      actor.stop();
      this.actors.delete(key);
      dropped++;
    }
    return dropped;
  }

  /** Local actors monitoring `targetId` of that account are told that it logged out. */
  targetLoggedOut(accountId: string, targetId: string): Array<Promise<RpcReply<unknown>>> {
    const replies: Array<Promise<RpcReply<unknown>>> = [];
    for (const actor of this.actors.values()) {
      const state = actor.state;
      if (state && state.account_id === accountId && state.wiretapping_recipient === targetId) {
        replies.push(actor.send({ type: 'monitor_target_gone', target_id: targetId }));
      }
    }
    return replies;
  }

  /** Resolves when every actor (of `shard`, or all) has handled what it was sent. */
  async drain(shard?: number): Promise<void> {
    for (;;) {
      const busy = [...this.actors.values()].filter((a) => a.backlog > 0 && (shard === undefined || a.key.shard === shard));
      if (busy.length === 0) return;
      await Promise.all(busy.map((a) => a.idle()));
    }
  }

  /** Logged-in recipients in memory (per shard when given). */
  loggedIn(shard?: number): RecipientState[] {
    const out: RecipientState[] = [];
    for (const actor of this.actors.values()) {
      if (actor.state && (shard === undefined || actor.key.shard === shard)) out.push(actor.state);
    }
    return out;
  }

  get size(): number {
    return this.actors.size;
  }

  private getOrCreate(accountId: string, recipientId: string): RecipientActor {
    return this.actors.get(keyOf(accountId, recipientId)) ?? this.create(accountId, recipientId, this.shardOf(accountId, recipientId));
  }

  private create(accountId: string, recipientId: string, shard: number): RecipientActor {
    const key = keyOf(accountId, recipientId);
    const actor = new RecipientActor(this.env, { accountId, recipientId, shard }, (settled) => {
      // Logged out (or never logged in) and nothing queued: forget it.
      if (settled.state === null && this.actors.get(key) === settled) this.actors.delete(key);
    });
    this.actors.set(key, actor);
    return actor;
  }
}
