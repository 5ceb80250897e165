/**
 * deploy/k8s, checked without a cluster: every manifest parsed and compared with the code —
 * config variables (ConfigMap / Secret / env), NODE_NAME from the pod name, ports, probes at the
 * paths the processes serve, resources, grace periods, and the objects that must reference each other.
 */
import { strict as assert } from 'node:assert';
import { opsPortOf, readYamlDocs, SERVICE_KINDS, variablesOf, type ServiceKind } from './support/deploy.js';
import { brokerRoles } from './support/rabbitmq-roles.js';
import { startProbeTargets, type ProbeTargets } from './support/probe-targets.js';

const docs = readYamlDocs('deploy/k8s').filter((d) => d.doc.kind !== 'Kustomization');
const all = docs.map((d) => d.doc);
const ofKind = (kind: string) => all.filter((d) => d.kind === kind);
const named = (kind: string, name: string) => all.find((d) => d.kind === kind && d.metadata?.name === name);
const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')];

interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: any }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: any;
  readinessProbe?: any;
  startupProbe?: any;
}

function containersOf(w: any): Array<{ c: Container; kind: ServiceKind; env: Map<string, string | null> }> {
  return (w.spec.template.spec.containers as Container[]).map((c) => {
    const kind = c.args?.[0] as ServiceKind;
    assert.ok(SERVICE_KINDS.includes(kind), `${w.metadata.name}/${c.name}: args[0] must be the process (gateway|worker|embedded), got ${kind}`);
    // every variable the container gets, with its literal value when known
    const env = new Map<string, string | null>();
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) {
        const cm = named('ConfigMap', from.configMapRef.name);
        assert.ok(cm, `${w.metadata.name}: ConfigMap ${from.configMapRef.name} exists`);
        for (const [k, v] of Object.entries(cm.data ?? {})) env.set(k, String(v));
      }
      if (from.secretRef) {
        const secret = named('Secret', from.secretRef.name);
        assert.ok(secret, `${w.metadata.name}: Secret ${from.secretRef.name} exists`);
        for (const k of Object.keys(secret.stringData ?? secret.data ?? {})) env.set(k, null);
      }
    }
    for (const e of c.env ?? []) env.set(e.name, e.value ?? null);
    return { c, kind, env };
  });
}

describe('deploy: Kubernetes manifests (deploy/k8s)', () => {
  let probes: ProbeTargets;
  before(async () => {
    probes = await startProbeTargets();
  });
  after(async () => {
    await probes?.close();
  });

  it('gateway Deployment + Service + HPA; worker StatefulSet + headless Service; PodDisruptionBudgets; ConfigMaps and Secret', () => {
    const gw = workloads.filter((w) => containersOf(w).some((x) => x.kind === 'gateway'));
    const wk = workloads.filter((w) => containersOf(w).some((x) => x.kind === 'worker'));
    assert.deepEqual(gw.map((w) => w.kind), ['Deployment']);
    assert.deepEqual(wk.map((w) => w.kind), ['StatefulSet']);
    const hpa = ofKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === gw[0].metadata.name);
    assert.ok(hpa && hpa.spec.scaleTargetRef.kind === 'Deployment' && hpa.spec.minReplicas >= 2, 'an HPA scales the gateway Deployment, at least 2');
    const sts = wk[0];
    assert.ok(sts.spec.replicas >= 3, 'three workers or more');
    assert.equal(sts.spec.podManagementPolicy, 'Parallel', 'a worker waiting for shards must not block the next one');
    const headless = named('Service', sts.spec.serviceName);
    assert.ok(headless, 'the StatefulSet serviceName is a Service');
    assert.equal(headless.spec.clusterIP, 'None', 'headless');
    for (const w of workloads) {
      const labels = w.spec.template.metadata.labels;
      const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
      assert.ok(matches(w.spec.selector.matchLabels), `${w.metadata.name}: selector matches its pods`);
      assert.ok(ofKind('PodDisruptionBudget').some((p) => matches(p.spec.selector.matchLabels)), `${w.metadata.name}: a PodDisruptionBudget covers it`);
      assert.ok(ofKind('Service').some((s) => matches(s.spec.selector)), `${w.metadata.name}: a Service selects it`);
    }
    assert.equal(ofKind('Secret').length, 1);
  });

  it('every variable a container gets (ConfigMap, Secret, env) is one its process reads; secrets only from the Secret', () => {
    for (const w of workloads) {
      for (const { c, kind, env } of containersOf(w)) {
        const known = variablesOf(kind);
        for (const name of env.keys()) assert.ok(known.has(name), `${w.metadata.name}/${c.name} (${kind}) gets ${name}, which the ${kind} does not read`);
        for (const from of c.envFrom ?? []) {
          if (!from.configMapRef) continue;
          for (const k of Object.keys(named('ConfigMap', from.configMapRef.name).data ?? {})) {
            assert.ok(!known.get(k)?.secret, `${k} is a secret: not in a ConfigMap`);
          }
        }
        for (const e of c.env ?? []) {
          if (known.get(e.name)?.secret) {
            const ref = e.valueFrom?.secretKeyRef;
            assert.ok(ref, `${w.metadata.name}: ${e.name} comes from a Secret`);
            const secret = named('Secret', ref.name);
            assert.ok(secret, `Secret ${ref.name} exists`);
            assert.ok(ref.key in (secret.stringData ?? secret.data ?? {}), `Secret ${ref.name} has ${ref.key}`);
          }
          if (e.valueFrom?.configMapKeyRef) assert.ok(e.valueFrom.configMapKeyRef.key in (named('ConfigMap', e.valueFrom.configMapKeyRef.name)?.data ?? {}));
        }
        assert.ok(env.has('AMQP_URL'), `${w.metadata.name}: AMQP_URL`);
        if (kind === 'gateway') assert.ok(env.has('AUTH_TOKEN_SECRET'));
        if (kind === 'worker') assert.ok(env.has('MONGODB_URL'));
      }
    }
  });

  it('least privilege on the bus: each process gets its own role\'s AMQP_URL from the Secret; workers check who sends what', () => {
    const roles = brokerRoles();
    const role = { gateway: 'GATEWAY', worker: 'WORKER' } as const;
    const secret = named('Secret', 'qubicle-secrets');
    const keys = new Set<string>();
    for (const w of workloads) {
      for (const { c, kind, env } of containersOf(w)) {
        if (kind === 'embedded') continue;
        const ref = c.env?.find((e) => e.name === 'AMQP_URL')?.valueFrom?.secretKeyRef;
        assert.ok(ref, `${w.metadata.name}: AMQP_URL from a Secret`);
        keys.add(ref.key);
        const example = new URL(String(secret.stringData[ref.key]));
        assert.equal(decodeURIComponent(example.username), roles[role[kind]].user, `${w.metadata.name}: ${ref.key} logs in as the ${role[kind]} role's user`);
        assert.equal(env.get('AMQP_SET_USER_ID'), 'on', `${w.metadata.name}: says who it is (user_id)`);
        if (kind === 'worker') {
          assert.equal(env.get('BUS_SENDERS'), `worker:${roles.WORKER.user},gateway:${roles.GATEWAY.user},service:${roles.SERVICE.user}`);
        }
      }
    }
    assert.equal(keys.size, 2, 'the gateway and the worker get different credentials');
    assert.ok(!('AMQP_URL' in secret.stringData), 'no shared AMQP_URL left in the Secret');
  });

  it('NODE_NAME is the pod name (downward API) on every process', () => {
    for (const w of workloads) {
      for (const { c } of containersOf(w)) {
        const nodeName = c.env?.find((e) => e.name === 'NODE_NAME');
        assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', `${w.metadata.name}/${c.name}`);
      }
    }
  });

  it('ports match PORT / METRICS_PORT; probes: liveness /healthz, readiness /readyz, served on that port; scrape annotations agree', async () => {
    for (const w of workloads) {
      for (const { c, kind, env } of containersOf(w)) {
        const port = opsPortOf(kind, Object.fromEntries([...env].map(([k, v]) => [k, v ?? undefined])));
        const declared = c.ports ?? [];
        assert.ok(declared.some((p) => p.containerPort === port), `${w.metadata.name}: containerPort ${port}`);
        const portOf = (p: string | number) => (typeof p === 'number' ? p : declared.find((d) => d.name === p)?.containerPort);
        for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']] as const) {
          const http = c[probe]?.httpGet;
          assert.ok(http, `${w.metadata.name}: ${probe}`);
          assert.equal(http.path, path, `${w.metadata.name}: ${probe} path`);
          assert.equal(portOf(http.port), port, `${w.metadata.name}: ${probe} port`);
        }
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
          const http = c[probe]?.httpGet;
          if (http) assert.notEqual(await probes.status(kind, http.path), 404, `${w.metadata.name}: ${http.path} is served by a ${kind}`);
        }
        const ann = w.spec.template.metadata.annotations ?? {};
        assert.equal(ann['prometheus.io/scrape'], 'true');
        assert.equal(Number(ann['prometheus.io/port']), port);
        assert.equal(ann['prometheus.io/path'], '/metrics');
      }
    }
  });

  it('resource requests and limits; non-root; grace periods long enough for the graceful SIGTERM handoff', () => {
    for (const w of workloads) {
      const spec = w.spec.template.spec;
      assert.equal(spec.securityContext?.runAsNonRoot, true, `${w.metadata.name}: non-root`);
      for (const { c, kind, env } of containersOf(w)) {
        assert.ok(c.resources?.requests?.['cpu'] && c.resources.requests['memory'], `${w.metadata.name}: requests`);
        assert.ok(c.resources?.limits?.['memory'], `${w.metadata.name}: memory limit`);
        const grace = spec.terminationGracePeriodSeconds as number;
        if (kind === 'worker') {
          const ttl = Number(env.get('LEASE_TTL_MS') ?? variablesOf('worker').get('LEASE_TTL_MS')!.default) / 1000;
          assert.ok(grace >= 3 * ttl, `worker grace ${grace}s >= 3 x LEASE_TTL (${ttl}s)`);
        } else {
          // preStop sleep + the gateway's drain (10 s) + margin
          const preStop = Number((c as any).lifecycle?.preStop?.exec?.command?.[1] ?? 0);
          assert.ok(grace >= preStop + 10 + 5, `gateway grace ${grace}s`);
        }
      }
    }
  });
});

describe('deploy: kustomization', () => {
  it('lists every manifest but the Secret template (created out of band), and only files that exist', async () => {
    const { readdirSync } = await import('node:fs');
    const { readYaml, ROOT } = await import('./support/deploy.js');
    const k = readYaml<{ resources: string[] }>('deploy/k8s/kustomization.yaml');
    const files = readdirSync(`${ROOT}/deploy/k8s`).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
    assert.deepEqual([...k.resources].sort(), files.sort());
  });
});
