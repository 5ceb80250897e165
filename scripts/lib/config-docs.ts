/**
 * The configuration tables of docs/configuration.md, generated from each service's
 * CONFIG_VARIABLES (the same tables the deploy tests check compose and Kubernetes against).
 * `npm run docs:config` rewrites the generated part; test/deploy/config-docs.test.ts fails when
 * the file and the code drift apart.
 */
import { CONFIG_VARIABLES as GATEWAY_VARIABLES, type ConfigVariable } from '@qubicle/api-gateway';
import { CONFIG_VARIABLES as WORKER_VARIABLES } from '@qubicle/recipient-worker';

export const CONFIG_DOC = 'docs/configuration.md';
/** Every document that carries the generated tables (the README shows them too). */
export const CONFIG_DOCS = [CONFIG_DOC, 'README.md'] as const;
export const BEGIN_MARKER = '<!-- BEGIN GENERATED CONFIG TABLES: `npm run docs:config` rewrites this part from CONFIG_VARIABLES; do not edit by hand -->';
export const END_MARKER = '<!-- END GENERATED CONFIG TABLES -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(vars: readonly ConfigVariable[]): string {
  const rows = vars.map(
    (v) =>
      `| \`${v.name}\` | ${v.default === null ? '—' : `\`${cell(v.default)}\``} | ${v.services.includes('embedded') ? 'yes' : 'no'} | ${v.secret ? 'yes' : ''} | ${cell(v.description)} |`,
  );
  return ['| variable | default | read by `npm start` | secret | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function renderConfigTables(): string {
  return [
    BEGIN_MARKER,
    '',
    '### api-gateway (`npm run start:gateway`, image command `gateway`)',
    '',
    table(GATEWAY_VARIABLES),
    '',
    '### recipient-worker (`npm run start:worker`, image command `worker`)',
    '',
    table(WORKER_VARIABLES),
    '',
    END_MARKER,
  ].join('\n');
}

/** The document with its generated part replaced by the current tables. */
export function withCurrentTables(doc: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error('the generated-table markers are missing');
  return doc.slice(0, begin) + renderConfigTables() + doc.slice(end + END_MARKER.length);
}
