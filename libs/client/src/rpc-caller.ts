/** The one thing the clients need from a bus: an RPC to a queue (a `@qubicle/transport` Bus fits). */
export interface RpcCaller {
  call(queue: string, body: unknown, opts: RpcCallOptions): Promise<unknown>;
}

export interface RpcCallOptions {
  /** Reply timeout (also the message's expiration). */
  timeoutMs: number;
  /** Sent as the message's x-request-id (correlates logs). */
  requestId?: string;
}

/** Where the clients log (a pino logger fits). Optional: nothing is logged without one. */
export interface ClientLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
