import { load, type LoadResult, type LoadSpec } from './load.js';
import type { Stack } from './stack.js';

/**
 * A load on the stack's gateway: requests to `path` below its url (or what `next` says) with the
 * stack's token, counting the CPU of the stack's processes and of the broker. What the scenarios
 * that load the gateway share; `spec` is what differs (method, body, amount or duration…).
 */
export function loadGateway(stack: Stack, path: string, spec: Omit<LoadSpec, 'url' | 'headers' | 'pids' | 'names' | 'brokerPid'>): Promise<LoadResult> {
  return load({
    url: `${stack.url}${path}`,
    headers: { 'x-auth-token': stack.token },
    ...spec,
    pids: stack.pids,
    names: stack.names,
    brokerPid: stack.brokerPid,
  });
}
