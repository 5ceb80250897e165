/**
 * The broker roles as deploy/rabbitmq/rabbitmq-users.sh defines them (the one place they are
 * written): each role's default user and its permission regexes, read from the script's text.
 */
import { readText } from './deploy.js';

export const SCRIPT = 'deploy/rabbitmq/rabbitmq-users.sh';
export const ROLES = ['WORKER', 'GATEWAY', 'SERVICE', 'EVENTS'] as const;
export type BrokerRole = (typeof ROLES)[number];

export interface RolePermissions {
  user: string;
  configure: string;
  write: string;
  read: string;
}

export function brokerRoles(): Record<BrokerRole, RolePermissions> {
  const text = readText(SCRIPT);
  const value = (name: string): string => {
    const m = new RegExp(`^${name}='([^']*)'$`, 'm').exec(text);
    if (!m) throw new Error(`${SCRIPT}: no ${name}='...'`);
    return m[1]!;
  };
  const out = {} as Record<BrokerRole, RolePermissions>;
  for (const role of ROLES) {
    const user = new RegExp(`^role ${role} (\\S+)$`, 'm').exec(text)?.[1];
    if (!user) throw new Error(`${SCRIPT}: no "role ${role} <user>" line`);
    out[role] = { user, configure: value(`${role}_CONFIGURE`), write: value(`${role}_WRITE`), read: value(`${role}_READ`) };
  }
  return out;
}

/**
 * The topic permission (read) the script gives a role restricted to `accountId` on qubicle.events:
 * the regex its binding keys must match, built from the script's ACCOUNT_EVENT_KINDS as it does.
 */
export function accountTopicRead(accountId: string): string {
  const kinds = /^ACCOUNT_EVENT_KINDS='([^']*)'$/m.exec(readText(SCRIPT))?.[1];
  if (!kinds) throw new Error(`${SCRIPT}: no ACCOUNT_EVENT_KINDS='...'`);
  return `^qubicle\\.(${kinds})\\.${accountId}\\.`;
}
