/**
 * The start-up banner of `npm start`. A password and a token are printed only for the embedded
 * demo: the in-process bus and the SQLite file (nothing else can reach it) with the public demo
 * password (BOOTSTRAP_ADMIN_PASSWORD not set). Started on a real broker or database, or with a
 * password of its own, the service says where it is and how to get a token, and prints no secret:
 * the terminal (and whatever collects the process's output) is not the place for an admin token.
 */
export interface BannerInput {
  /** http://127.0.0.1:<port> */
  base: string;
  /** AMQP_URL set */
  broker: boolean;
  /** 'sqlite' | 'mongodb' */
  store: string;
  accountName: string;
  accountId: string;
  adminUsername: string;
  /** The bootstrap admin's password is the public demo one. */
  demoPassword: string | undefined;
  /** A token of the demo admin (only fetched for the demo). */
  token: string | undefined;
  tokenTtlSeconds: number;
}

/** The embedded demo: in-process bus, SQLite, the public demo password. */
export function isEmbeddedDemo(opts: { broker: boolean; store: string; demoPassword: string | undefined }): boolean {
  return !opts.broker && opts.store === 'sqlite' && opts.demoPassword !== undefined;
}

export function bannerLines(b: BannerInput): string[] {
  const demo = isEmbeddedDemo(b);
  const lines = [
    '',
    `Qubicle recipient service running (${b.broker ? 'RabbitMQ' : 'in-process bus'}, ${b.store})`,
    `  URL:      ${b.base}`,
    `  wallboard: ${b.base}/wallboard/?account=${encodeURIComponent(b.accountName)}   (events websocket: ${b.base.replace('http', 'ws')}/socket)`,
    `  account:  ${b.accountName}  (id ${b.accountId})`,
  ];
  if (demo && b.demoPassword !== undefined) {
    lines.push(`  admin:    ${b.adminUsername} / ${b.demoPassword}   (the public demo password: set BOOTSTRAP_ADMIN_PASSWORD for anything else)`);
    lines.push('  agents:   agent1, agent2, agent3 (same password)');
    if (b.token) {
      lines.push(`  token:    ${b.token}   (valid ${b.tokenTtlSeconds} s)`, '', 'Try:', `  curl -s -H "X-Auth-Token: ${b.token}" ${b.base}/v2/accounts/${b.accountId}/qubicle_recipients`);
    } else {
      lines.push('  token:    (the demo password no longer logs the admin in: it was changed since)');
    }
  } else {
    lines.push(`  admin:    ${b.adminUsername}   (password from BOOTSTRAP_ADMIN_PASSWORD${b.demoPassword !== undefined ? ', or the demo one when the store was new' : ''}; not printed)`);
    lines.push(
      '',
      'Get a token (md5 of "username:password"):',
      `  curl -s -X PUT ${b.base}/v2/user_auth -H 'Content-Type: application/json' -d '{"data":{"credentials":"<md5>","account_name":"${b.accountName}"}}'`,
    );
  }
  lines.push('');
  return lines;
}
