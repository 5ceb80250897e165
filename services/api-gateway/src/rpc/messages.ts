/** What the gateway sends on the bus and what comes back, typed from the contracts. */
import type { CommandBase, RecipientControlCommand, RecipientStatus } from '@qubicle/contracts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The recipient commands the HTTP API sends (the rest — offer, answer… — come from queue services). */
export type GatewayCommand = RecipientControlCommand;

/** A command as a route builds it; the RPC client adds command_id, ids, shard_count and by. */
export type CommandInput = DistributiveOmit<GatewayCommand, keyof CommandBase>;

/** Every one of these commands answers the recipient's status after it. */
export type CommandReply = RecipientStatus;

/** Reply data of each directory request: the contracts' (each request's file holds its reply schema). */
export type { DirectoryReplies, DirectoryReplyOf } from '@qubicle/contracts';
