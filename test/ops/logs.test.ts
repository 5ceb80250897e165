/**
 * Structured logs through the real stack: JSON lines from a gateway and a worker, each with its own
 * pino logger writing into an array (what two processes print). The request id of an HTTP request
 * is on the gateway's access line and on the worker's command line (carried as x-request-id on
 * the bus), so one grep follows it; and no line anywhere carries a secret.
 */
import { strict as assert } from 'node:assert';
import { md5, PASSWORD, startStack, TOKEN_SECRET, type Stack } from './support/stack.js';

describe('ops: JSON logs follow a request across processes and never carry a secret', function () {
  this.timeout(60_000);
  let s: Stack;
  before(async () => {
    s = await startStack({ logLevel: 'debug' });
  });
  after(async () => {
    await s?.stop();
  });

  const grep = (lines: Array<Record<string, unknown>>, requestId: string) => lines.filter((l) => l['request_id'] === requestId);

  it('user_auth, api_auth, a user created with a password, a recipient login: request id on both sides, no secret anywhere', async () => {
    const secrets: string[] = [PASSWORD, TOKEN_SECRET];
    const credentials = md5(`admin:${PASSWORD}`);
    secrets.push(credentials);

    const auth = await s.api('PUT', '/v2/user_auth', { data: { credentials, account_name: 'demo' } }, { requestId: 'ops-log-user-auth-1' });
    assert.equal(auth.status, 201, auth.text);
    const adminToken: string = auth.body.auth_token;
    secrets.push(adminToken);

    const bad = await s.api('PUT', '/v2/user_auth', { data: { credentials: md5('admin:wrong-guess-77'), account_name: 'demo' } }, { requestId: 'ops-log-bad-auth-1' });
    assert.equal(bad.status, 401);
    secrets.push(md5('admin:wrong-guess-77'), 'wrong-guess-77');

    const apiKey = (await s.store.getAccount(s.accountId))!.api_key;
    secrets.push(apiKey);
    const apiAuth = await s.api('PUT', '/v2/api_auth', { data: { api_key: apiKey } }, { requestId: 'ops-log-api-auth-1' });
    assert.equal(apiAuth.status, 201, apiAuth.text);
    secrets.push(apiAuth.body.auth_token);

    const agentPassword = 'agent-pw-Zq8v3';
    secrets.push(agentPassword);
    const created = await s.api(
      'PUT',
      `/v2/accounts/${s.accountId}/users`,
      { data: { first_name: 'Log', last_name: 'Agent', username: 'log.agent', password: agentPassword, qubicle: { enabled: true } } },
      { token: adminToken, requestId: 'ops-log-user-create-1' },
    );
    assert.equal(created.status, 201, created.text);
    const agentId: string = created.body.data.id;
    const agentCreds = md5(`log.agent:${agentPassword}`);
    secrets.push(agentCreds);
    const agentAuth = await s.api('PUT', '/v2/user_auth', { data: { credentials: agentCreds, account_name: 'demo' } });
    assert.equal(agentAuth.status, 201);
    const agentToken: string = agentAuth.body.auth_token;
    secrets.push(agentToken);

    const login = await s.api('POST', `/v2/accounts/${s.accountId}/qubicle_recipients/${agentId}`, { data: { action: 'login' } }, { token: agentToken, requestId: 'ops-log-login-1' });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.headers.get('x-request-id'), 'ops-log-login-1');
    assert.equal(login.body.request_id, 'ops-log-login-1');

    const gw = s.gatewayLogs.lines;
    const wk = s.workerLogs.lines;
    for (const [requestId, command, outcome, status] of [
      ['ops-log-user-auth-1', 'auth_user', 'ok', 201],
      ['ops-log-bad-auth-1', 'auth_user', 'unauthorized', 401],
      ['ops-log-api-auth-1', 'auth_api', 'ok', 201],
      ['ops-log-user-create-1', 'user_create', 'ok', 201],
      ['ops-log-login-1', 'login', 'ok', 200],
    ] as const) {
      const access = grep(gw, requestId).filter((l) => l['msg'] === 'request');
      assert.equal(access.length, 1, `one gateway access line for ${requestId}`);
      assert.equal(access[0]!['status'], status);
      assert.equal(typeof access[0]!['duration_ms'], 'number');
      assert.equal(typeof access[0]!['route'], 'string');
      assert.equal(access[0]!['service'], 'api-gateway');
      const handled = grep(wk, requestId).filter((l) => l['msg'] === 'command');
      assert.equal(handled.length, 1, `one worker command line for ${requestId}: ${JSON.stringify(grep(wk, requestId))}`);
      assert.equal(handled[0]!['command'], command);
      assert.equal(handled[0]!['outcome'], outcome);
      assert.equal(typeof handled[0]!['duration_ms'], 'number');
      assert.equal(typeof handled[0]!['correlation_id'], 'string');
      assert.equal(handled[0]!['node'], 'ops-worker');
    }

    // every line of both processes (debug level, start-up included) is JSON and carries no secret
    const all = s.gatewayLogs.text() + s.workerLogs.text();
    assert.ok(gw.length > 5 && wk.length > 5);
    for (const secret of secrets) assert.ok(!all.includes(secret), `a log line contains a secret (${secret.slice(0, 4)}…)`);
    assert.ok(!all.includes('scrypt$'), 'no password hash');
    assert.ok(!/"(password|credentials|api_key|auth_token|token)":"(?!\[redacted\])/.test(all), 'no secret-named field with a value');
  });
});
