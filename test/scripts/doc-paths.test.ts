/**
 * Every source file the documentation names (a backticked path with a slash, e.g.
 * `shards/lease-book.ts`) exists: when a file moves, its docs move with it. A path is looked up
 * from the repository root and from each package's root and `src/` (the docs name files relative
 * to the service they describe), and relative to the document itself.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGES = ['libs/contracts', 'libs/transport', 'libs/runtime', 'libs/client', 'services/api-gateway', 'services/recipient-worker'];
/** Folders the docs name files relative to, besides the packages' roots and src/. */
const EXTRA_BASES = ['services/recipient-worker/src/machine', 'services/recipient-worker/src/queue', 'libs/transport/src/amqp'];
const BASES = ['', ...PACKAGES.flatMap((p) => [p, `${p}/src`]), ...EXTRA_BASES];
const PATH_IN_BACKTICKS = /`([A-Za-z0-9_.\/-]+\/[A-Za-z0-9_.-]+\.(?:ts|js|cjs|sh|json|ya?ml))`/g;

function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const readmes = ['README.md', ...PACKAGES.map((p) => `${p}/README.md`)].filter((f) => existsSync(join(ROOT, f)));
  return [...docs, ...readmes];
}

describe('docs: every file a document names exists', () => {
  for (const doc of documents()) {
    it(doc, () => {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      const missing = new Set<string>();
      for (const m of text.matchAll(PATH_IN_BACKTICKS)) {
        const path = m[1]!;
        const found = BASES.some((b) => existsSync(join(ROOT, b, path))) || existsSync(join(ROOT, dirname(doc), path));
        if (!found) missing.add(path);
      }
      assert.deepEqual([...missing], [], `${doc} names files that do not exist`);
    });
  }
});
