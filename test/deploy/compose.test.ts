/**
 * docker-compose.yml, checked without a Docker engine: parsed (merge keys and aliases resolved as
 * compose does) and compared with the code — config variables, ports, probe paths, Prometheus
 * targets, nginx upstreams, mounted files.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { opsPortOf, readText, readYaml, ROOT, SERVICE_KINDS, urlParts, variablesOf, type ServiceKind } from './support/deploy.js';
import { brokerRoles, SCRIPT } from './support/rabbitmq-roles.js';
import { startProbeTargets, type ProbeTargets } from './support/probe-targets.js';

interface ComposeService {
  image?: string;
  restart?: string;
  entrypoint?: string[] | string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, unknown> | string[];
  volumes?: string[];
  stop_grace_period?: string;
}

const compose = readYaml<{ services: Record<string, ComposeService> }>('docker-compose.yml');
const services = compose.services;

/** Our image's services and the process each runs. */
function qubicleServices(): Array<{ name: string; kind: ServiceKind; env: Record<string, string>; svc: ComposeService }> {
  return Object.entries(services)
    .filter(([, s]) => s.build !== undefined || (s.image ?? '').includes('qubicle-recipients'))
    .map(([name, svc]) => {
      const cmd = Array.isArray(svc.command) ? svc.command[0] : svc.command?.split(/\s+/)[0];
      assert.ok(SERVICE_KINDS.includes(cmd as ServiceKind), `${name}: command must be one of ${SERVICE_KINDS.join('|')}, got ${cmd}`);
      const env = Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]));
      return { name, kind: cmd as ServiceKind, env, svc };
    });
}

const healthUrl = (svc: ComposeService): string => {
  const test = Array.isArray(svc.healthcheck?.test) ? svc.healthcheck.test.join(' ') : (svc.healthcheck?.test ?? '');
  const url = /https?:\/\/[^\s"']+/.exec(test)?.[0];
  assert.ok(url, `no URL in the healthcheck: ${test}`);
  return url;
};

describe('deploy: docker-compose.yml', () => {
  let probes: ProbeTargets;
  before(async () => {
    probes = await startProbeTargets();
  });
  after(async () => {
    await probes?.close();
  });

  it('the production shape: RabbitMQ (management), a 3-member MongoDB replica set, 2 gateways behind a proxy, 3 workers, Prometheus', () => {
    const q = qubicleServices();
    assert.equal(q.filter((s) => s.kind === 'gateway').length, 2);
    assert.equal(q.filter((s) => s.kind === 'worker').length, 3);
    assert.match(services['rabbitmq']?.image ?? '', /^rabbitmq:.*management/);
    const mongos = Object.entries(services).filter(([, s]) => /^mongo:7/.test(s.image ?? ''));
    assert.equal(mongos.length, 3);
    for (const [name, s] of mongos) assert.ok((s.command as string[]).includes('--replSet'), `${name} runs with --replSet`);
    const initiates = mongos.filter(([, s]) => JSON.stringify(s.healthcheck).includes('rs.initiate'));
    assert.equal(initiates.length, 1, 'one member initiates the replica set (idempotently, from its health check)');
    assert.match(services['proxy']?.image ?? '', /^nginx:/);
    assert.match(services['prometheus']?.image ?? '', /^prom\/prometheus:/);
  });

  it('every service has a health check (but the one-shot rabbitmq-users, which others wait to complete)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'rabbitmq-users') {
        assert.equal(s.restart, 'no', 'a one-shot');
        continue;
      }
      assert.ok(s.healthcheck && !s.healthcheck.disable && s.healthcheck.test, `${name} has a healthcheck`);
    }
  });

  it('least privilege on the bus: each process connects as its role\'s broker user, created by rabbitmq-users before it starts', () => {
    const roles = brokerRoles();
    const setup = services['rabbitmq-users'];
    assert.ok(setup, 'a rabbitmq-users service');
    assert.ok(setup.volumes?.some((v) => v.startsWith(`./${SCRIPT}:`)), `it runs ${SCRIPT}`);
    assert.match(JSON.stringify(setup.entrypoint), /rabbitmq-users\.sh/);
    assert.ok(setup.volumes?.some((v) => /^rabbitmq-data:\/var\/lib\/rabbitmq:ro$/.test(v)), 'the broker\'s Erlang cookie, read-only');
    assert.equal((setup.depends_on as Record<string, { condition: string }>)['rabbitmq']?.condition, 'service_healthy');
    const setupEnv = Object.fromEntries(Object.entries(setup.environment ?? {}).map(([k, v]) => [k, String(v)]));
    assert.equal(setupEnv['QUBICLE_VHOST'], 'qubicle');
    const role = { gateway: 'GATEWAY', worker: 'WORKER' } as const;
    for (const { name, kind, env, svc } of qubicleServices()) {
      if (kind === 'embedded') continue;
      const r = role[kind];
      const url = new URL(env['AMQP_URL']!.replace(/\$\{[^}]*\}/g, 'x'));
      assert.equal(decodeURIComponent(url.username), roles[r].user, `${name}: connects as the ${r} role's user`);
      assert.equal(url.pathname, `/${setupEnv['QUBICLE_VHOST']}`, `${name}: on the vhost the users are created in`);
      // the password in the URL is the one rabbitmq-users sets, from the same variable
      const secret = /^amqps?:\/\/[^:]+:(\$\{[^}]+\})@/.exec(env['AMQP_URL']!)?.[1];
      assert.ok(secret, `${name}: the password comes from the environment`);
      assert.equal(setupEnv[`QUBICLE_${r}_PASSWORD`], secret, `${name}: rabbitmq-users sets the same password`);
      assert.equal(env['AMQP_SET_USER_ID'], 'on', `${name}: says who it is (user_id)`);
      const deps = svc.depends_on as Record<string, { condition: string }>;
      assert.equal(deps['rabbitmq-users']?.condition, 'service_completed_successfully', `${name}: starts once its user exists`);
      if (kind === 'worker') {
        assert.equal(
          env['BUS_SENDERS'],
          `worker:${roles.WORKER.user},gateway:${roles.GATEWAY.user},service:${roles.SERVICE.user}`,
          `${name}: accepts each role's commands from that role's user only`,
        );
      }
    }
    // the outside roles are created only when given a password
    assert.match(setupEnv['QUBICLE_SERVICE_PASSWORD'] ?? '', /^\$\{RABBITMQ_SERVICE_PASSWORD:-\}$/);
    assert.match(setupEnv['QUBICLE_EVENTS_PASSWORD'] ?? '', /^\$\{RABBITMQ_EVENTS_PASSWORD:-\}$/);
  });

  it('every variable set on a qubicle service is one its process reads; secrets come from the environment, not the file', () => {
    for (const { name, kind, env } of qubicleServices()) {
      const known = variablesOf(kind);
      for (const key of Object.keys(env)) assert.ok(known.has(key), `${name} (${kind}) sets ${key}, which the ${kind} does not read`);
      for (const [key, value] of Object.entries(env)) {
        if (key === 'AUTH_TOKEN_SECRET') assert.match(value, /^\$\{AUTH_TOKEN_SECRET:\?/, `${name}: AUTH_TOKEN_SECRET must come from the environment (required)`);
        else if (known.get(key)?.secret && key !== 'AMQP_URL' && key !== 'MONGODB_URL') assert.match(value, /\$\{/, `${name}: ${key} is a secret: interpolate it`);
      }
      if (kind !== 'embedded') assert.ok(env['AMQP_URL'], `${name} needs AMQP_URL`);
      if (kind === 'gateway') assert.ok(env['AUTH_TOKEN_SECRET'], `${name} needs AUTH_TOKEN_SECRET`);
      if (kind === 'worker') {
        assert.match(env['MONGODB_URL'] ?? '', /^mongodb:\/\/.*replicaSet=/, `${name} uses the replica set`);
        assert.ok(Number(env['METRICS_PORT'] ?? '9100') > 0, `${name} serves its metrics`);
      }
    }
    const names = qubicleServices().map((s) => s.env['NODE_NAME']);
    assert.equal(new Set(names).size, names.length, 'NODE_NAME distinct per process');
    assert.ok(names.every((n) => n), 'NODE_NAME set on each');
  });

  it('health checks hit the process on its configured port, at a path it serves (/healthz or /readyz)', async () => {
    for (const { name, kind, env, svc } of qubicleServices()) {
      const { host, port, path } = urlParts(healthUrl(svc));
      assert.equal(host, '127.0.0.1', name);
      assert.equal(port, opsPortOf(kind, env), `${name}: healthcheck port = ${kind === 'worker' ? 'METRICS_PORT' : 'PORT'}`);
      assert.ok(['/healthz', '/readyz'].includes(path), `${name}: ${path}`);
      assert.notEqual(await probes.status(kind, path), 404, `${name}: ${path} is served by a ${kind}`);
    }
  });

  it('the proxy balances exactly the gateways, on their PORT', () => {
    const conf = readText('deploy/compose/nginx.conf');
    const upstreams = [...conf.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`).sort();
    const gateways = qubicleServices()
      .filter((s) => s.kind === 'gateway')
      .map((s) => `${s.name}:${opsPortOf('gateway', s.env)}`)
      .sort();
    assert.deepEqual(upstreams, gateways);
    assert.ok(Object.keys(services['proxy']?.depends_on ?? {}).every((d) => services[d]), 'proxy depends on existing services');
  });

  it('Prometheus scrapes every gateway and worker on its port; every target is a compose service', () => {
    const prom = readYaml<{ scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }> }>('deploy/prometheus/prometheus.yml');
    const targets = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets.map((t) => ({ job: j, target: t }))));
    for (const { job, target } of targets) {
      const [host, port] = target.split(':');
      assert.ok(services[host!], `${job.job_name}: target ${target} is a compose service`);
      const q = qubicleServices().find((s) => s.name === host);
      if (q) {
        assert.equal(Number(port), opsPortOf(q.kind, q.env), `${target}: the ${q.kind}'s metrics port`);
        assert.equal(job.metrics_path ?? '/metrics', '/metrics');
      }
    }
    const scraped = new Set(targets.map((t) => t.target.split(':')[0]));
    for (const q of qubicleServices()) assert.ok(scraped.has(q.name), `${q.name} is scraped`);
  });

  it('mounted files exist; depends_on names services; workers get time for the graceful handoff', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) assert.ok(existsSync(join(ROOT, src)), `${name}: ${src} exists`);
      }
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) assert.ok(services[d], `${name} depends on ${d}, a service`);
    }
    for (const q of qubicleServices().filter((s) => s.kind === 'worker')) {
      const seconds = Number(/^(\d+)s$/.exec(q.svc.stop_grace_period ?? '')?.[1] ?? 10);
      const leaseTtlSeconds = Number(q.env['LEASE_TTL_MS'] ?? variablesOf('worker').get('LEASE_TTL_MS')!.default) / 1000;
      assert.ok(seconds >= 3 * leaseTtlSeconds, `${q.name}: stop_grace_period ${seconds}s >= 3 x LEASE_TTL`);
    }
  });
});
