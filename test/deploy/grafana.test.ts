/**
 * deploy/grafana/qubicle-dashboard.json uses the REAL metric names and labels: both services'
 * registries are created and every series and label an expression names must exist there.
 */
import { strict as assert } from 'node:assert';
import { readText, registeredMetrics, seriesNames } from './support/deploy.js';

const dashboard = JSON.parse(readText('deploy/grafana/qubicle-dashboard.json'));
const panels: any[] = dashboard.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]);
const exprs: Array<{ panel: string; expr: string }> = panels.flatMap((p) => (p.targets ?? []).map((t: any) => ({ panel: p.title, expr: t.expr as string })));

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/** Metric names of an expression: identifiers that are not functions, keywords, label names or strings. */
function metricNamesOf(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const noGroupings = noStrings.replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const noSelectors = noGroupings.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '');
  const noNumbers = noSelectors.replace(/(?<![a-zA-Z0-9_:])\d[\d.]*(?:e[+-]?\d+)?/gi, '');
  return [...noNumbers.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined) // a name followed by "(" is a function
    .map((m) => m[1]!)
    .filter((w) => !PROMQL_WORDS.has(w) && !/^(e\d+|Inf|NaN)$/.test(w) && !/^\d/.test(w))
    .filter((w, i, a) => a.indexOf(w) === i);
}

describe('deploy: Grafana dashboard', () => {
  it('is a dashboard with a Prometheus datasource variable and panels with expressions', () => {
    assert.equal(typeof dashboard.uid, 'string');
    assert.ok(dashboard.templating.list.some((v: any) => v.type === 'datasource' && v.query === 'prometheus'));
    assert.ok(exprs.length > 20);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids unique');
  });

  it('every metric an expression names is registered by a metrics factory, with the labels it uses', async () => {
    const metrics = await registeredMetrics();
    const series = seriesNames(metrics);
    for (const { panel, expr } of exprs) {
      const names = metricNamesOf(expr);
      assert.ok(names.length > 0, `${panel}: ${expr} names a metric`);
      const families = names.map((n) => {
        const family = series.get(n);
        assert.ok(family, `${panel}: ${n} is not a registered metric (${expr})`);
        return family;
      });
      const labels = new Set(['le', 'instance', 'job', ...families.flatMap((f) => [...metrics.get(f)!.labels])]);
      for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
        const family = series.get(m[1]!)!;
        const own = new Set([...metrics.get(family)!.labels, ...(m[1]!.endsWith('_bucket') ? ['le'] : [])]);
        for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) assert.ok(own.has(l[1]!), `${panel}: ${m[1]} has no label ${l[1]}`);
      }
      for (const g of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
        for (const l of g[1]!.split(',').map((s) => s.trim()).filter(Boolean)) assert.ok(labels.has(l), `${panel}: grouping by ${l}, a label none of its metrics has`);
      }
      // label values the code produces
      for (const v of expr.matchAll(/state="([^"]+)"/g)) assert.ok(['Away', 'Ready', 'Call-Offer', 'On-A-Call', 'Wrapup-Time'].includes(v[1]!), v[1]);
    }
  });

  it('shows the call-center view and the service view', () => {
    const used = new Set(exprs.flatMap((e) => metricNamesOf(e.expr)));
    for (const name of [
      // call center: recipients by state, calls offered/answered/missed, misses, wrap-up and time in state
      'qubicle_worker_recipients',
      'qubicle_worker_calls_offered_total',
      'qubicle_worker_calls_answered_total',
      'qubicle_worker_calls_missed_total',
      'qubicle_worker_time_in_state_seconds_bucket',
      'qubicle_worker_state_transitions_total',
      // service: HTTP latency and errors, RPC timeouts, store, shards, leases, bus
      'qubicle_gateway_http_request_duration_seconds_bucket',
      'qubicle_gateway_http_requests_total',
      'qubicle_gateway_rpc_requests_total',
      'qubicle_worker_store_write_duration_seconds_bucket',
      'qubicle_worker_shards_owned',
      'qubicle_worker_lease_failures_total',
      'qubicle_worker_bus_reconnects_total',
    ]) {
      assert.ok(used.has(name), `the dashboard uses ${name}`);
    }
    assert.ok(exprs.some((e) => /outcome=~"timeout/.test(e.expr)), 'RPC timeouts panel');
    assert.ok(exprs.some((e) => /histogram_quantile\(0\.99, sum by \(le\) \(rate\(qubicle_gateway_http_request_duration_seconds_bucket/.test(e.expr)), 'HTTP p99');
    assert.ok(exprs.some((e) => /histogram_quantile\(0\.5, sum by \(le\) \(rate\(qubicle_gateway_http_request_duration_seconds_bucket/.test(e.expr)), 'HTTP p50');
  });

  it('the metric-name check itself finds names and ignores functions, keywords and label names', () => {
    assert.deepEqual(metricNamesOf('histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{a="b"}[5m])))'), ['x_bucket']);
    assert.deepEqual(metricNamesOf('sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total[5m])), 1e-9)'), ['a_total', 'b_total']);
  });
});
