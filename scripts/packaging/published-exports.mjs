// The repository's exports maps carry a `@gateway/source` condition so tests and tools run on the
// TypeScript sources without a build. Published packages must not: `src/` is not in the tarball, and a
// user's bundler or TypeScript configured with a condition of that name would follow it into nothing.
// pnpm packs `publishConfig.exports` in place of `exports`; this module derives it, and
// `node scripts/packaging/published-exports.mjs` writes it into every package manifest.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Conditions that point into the repository only (sources), never into the published tarball. */
export const DEVELOPMENT_CONDITIONS = new Set(['@gateway/source']);

/** `exports` with every development-only condition removed, at any depth. */
export function publishedExports(entry) {
  if (typeof entry !== 'object' || entry === null) return entry;
  return Object.fromEntries(
    Object.entries(entry)
      .filter(([key]) => !DEVELOPMENT_CONDITIONS.has(key))
      .map(([key, value]) => [key, publishedExports(value)]),
  );
}

export const PUBLISHED_PACKAGES = ['protocol', 'client', 'server', 'cli', 'testkit', 'react'];

export const manifestPath = (name) => fileURLToPath(new URL(`../../packages/${name}/package.json`, import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of PUBLISHED_PACKAGES) {
    let text;
    try {
      text = readFileSync(manifestPath(name), 'utf8');
    } catch {
      continue;
    }
    const manifest = JSON.parse(text);
    if (manifest.exports === undefined) continue;
    manifest.publishConfig = { ...manifest.publishConfig, exports: publishedExports(manifest.exports) };
    writeFileSync(manifestPath(name), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}
