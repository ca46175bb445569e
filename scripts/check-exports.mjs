// After the build: every path in each package's `exports` map exists, the package loads both
// as ESM (import) and as CJS (require), as React Native bundlers and older Node bots will load it,
// and `npm pack` would publish what an installed copy needs at run time (not only what `exports` names).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { DEVELOPMENT_CONDITIONS, PUBLISHED_PACKAGES, publishedExports } from './packaging/published-exports.mjs';

const root = new URL('..', import.meta.url).pathname;
const packages = PUBLISHED_PACKAGES;
const problems = [];
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');

/** Files read at run time or documented as shipped, beyond what the manifest's entry points name. */
const shipped = {
  protocol: ['PROTOCOL.md', 'schema/protocol.schema.json'],
  // Where `@gateway/client/react-native` resolves without `exports` (node10 types, Metro before 0.82).
  client: ['react-native/package.json'],
  server: ['demo/public/index.html', 'demo/public/demo.js', 'demo/public/favicon.svg', 'demo/public/favicon.ico'],
};

function targets(entry, found = [], condition = undefined) {
  if (DEVELOPMENT_CONDITIONS.has(condition)) return found;
  if (typeof entry === 'string') found.push(entry);
  else if (entry && typeof entry === 'object') {
    for (const [key, value] of Object.entries(entry)) targets(value, found, key);
  }
  return found;
}

function packedFiles(dir) {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Set(JSON.parse(output)[0].files.map((file) => file.path));
}

function needed(name, manifest) {
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  const entries = [manifest.main, manifest.module, manifest.types, ...bins].filter((path) => path !== undefined);
  return [...entries, ...targets(manifest.exports), ...(shipped[name] ?? [])].map((path) => path.replace(/^\.\//, ''));
}

for (const name of packages) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  // A command has no modules to shake; a library must say it has no side effects.
  if (manifest.sideEffects !== false && manifest.exports['.'] !== undefined) {
    problems.push(`${manifest.name}: sideEffects is not false`);
  }
  // npm shows and ships a package's own LICENSE; each is the repository's, copied.
  if (!existsSync(join(dir, 'LICENSE')) || readFileSync(join(dir, 'LICENSE'), 'utf8') !== rootLicense) {
    problems.push(`${manifest.name}: LICENSE is missing or differs from the repository's`);
  }
  if (!isDeepStrictEqual(manifest.publishConfig?.exports, publishedExports(manifest.exports))) {
    problems.push(
      `${manifest.name}: publishConfig.exports is not exports without development conditions (run node scripts/packaging/published-exports.mjs)`,
    );
  }
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
  try {
    const packed = packedFiles(dir);
    for (const path of new Set(needed(name, manifest))) {
      if (!packed.has(path)) problems.push(`${manifest.name}: npm pack leaves out ${path}`);
    }
  } catch (error) {
    problems.push(`${manifest.name}: npm pack --dry-run failed (${error.message})`);
  }
  // A command (the cli) has nothing to import: its bin is run by the consumer check and its tests.
  if (manifest.exports['.'] === undefined) continue;
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
process.stdout.write(
  `exports check: ${packages.length} packages' export paths exist and are packed, the libraries load as ESM and CJS\n`,
);
