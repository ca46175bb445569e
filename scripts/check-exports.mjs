// After the build: every path in each package's `exports` map exists, and the package loads both
// as ESM (import) and as CJS (require), as React Native bundlers and older Node bots will load it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const packages = ['protocol', 'client', 'server'];
const problems = [];

function targets(entry, found = []) {
  if (typeof entry === 'string') found.push(entry);
  else if (entry && typeof entry === 'object') for (const value of Object.values(entry)) targets(value, found);
  return found;
}

for (const name of packages) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.sideEffects !== false) problems.push(`${manifest.name}: sideEffects is not false`);
  for (const [subpath, entry] of Object.entries(manifest.exports)) {
    if (entry && typeof entry === 'object' && Object.keys(entry).some((key) => key === 'import' || key === 'require')) {
      for (const condition of ['import', 'require']) {
        const first = Object.keys(entry[condition] ?? {})[0];
        if (first !== 'types') problems.push(`${manifest.name} ${subpath}: "${condition}" must list "types" first`);
      }
    }
    for (const target of targets(entry)) {
      if (!existsSync(join(dir, target))) problems.push(`${manifest.name} ${subpath}: ${target} is missing`);
    }
  }
  const esmPath = join(dir, manifest.exports['.'].import.default);
  const cjsPath = join(dir, manifest.exports['.'].require.default);
  try {
    const esm = await import(pathToFileURL(esmPath).href);
    const cjs = createRequire(import.meta.url)(cjsPath);
    const esmNames = Object.keys(esm).sort().join();
    const cjsNames = Object.keys(cjs).sort().join();
    if (esmNames !== cjsNames) problems.push(`${manifest.name}: ESM and CJS builds export different names`);
  } catch (error) {
    problems.push(`${manifest.name}: does not load (${error.message})`);
  }
}

if (problems.length > 0) {
  console.error(`exports check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
process.stdout.write(`exports check: ${packages.length} packages load as ESM and CJS, every export path exists\n`);
