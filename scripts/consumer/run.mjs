// The consumer check (part of `npm test`): every package packed as it would be published, installed by npm
// into a fresh project outside the workspace, and used there as users would: bots run (ESM and CommonJS)
// against the installed server, a bot and the READMEs' snippets type-checked under every module resolution,
// browser and React Native bundles built and weighed, and each tarball linted (publint, are-the-types-wrong).
// Needs the packages built and the npm registry (for the packages' own dependencies).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { botChecks, serverRenderingChecks } from './bots.mjs';
import { bundleChecks } from './bundles.mjs';
import { lintTarballs } from './lint.mjs';
import { packAll } from './pack.mjs';
import { createConsumerProject } from './project.mjs';
import { typecheckMatrix } from './typecheck.mjs';

const keep = process.argv.includes('--keep');
const started = Date.now();
const tarballDir = mkdtempSync(join(tmpdir(), 'gateway-tarballs-'));
let project;
const results = [];
const say = (line) => process.stdout.write(`${line}\n`);

try {
  const tarballs = packAll(tarballDir);
  for (const result of lintTarballs(tarballs)) results.push({ ...result, name: `${result.tool} ${result.name}` });
  project = createConsumerProject(tarballs);
  results.push(...(await botChecks(project)));
  results.push(...(await serverRenderingChecks(project)));
  results.push(...typecheckMatrix(project));
  const { results: bundleResults, sizes } = await bundleChecks(project);
  results.push(...bundleResults);
  say('consumer check: bundles (browser, esm, minified, gzip -9), from the installed packages and the baselines');
  for (const size of sizes) {
    say(
      size.gzipped === undefined
        ? `  ${size.name}: not measured (${size.error})`
        : `  ${size.name.padEnd(32)} ${String(size.minified).padStart(7)} B min  ${String(size.gzipped).padStart(6)} B min+gzip`,
    );
  }
} catch (error) {
  results.push({ name: 'consumer project', ok: false, output: error instanceof Error ? error.stack : String(error) });
} finally {
  rmSync(tarballDir, { recursive: true, force: true });
  if (project !== undefined && !keep) rmSync(project, { recursive: true, force: true });
}

for (const result of results) {
  say(`  ${result.ok ? 'ok  ' : 'FAIL'} ${result.name}`);
  if (!result.ok && result.output) {
    const lines = result.output.split('\n');
    const shown = lines.length > 40 ? [...lines.slice(0, 40), `… ${lines.length - 40} more lines`] : lines;
    say(shown.join('\n').replace(/^/gm, '       '));
  }
}
const failed = results.filter((result) => !result.ok).length;
say(
  `consumer check: ${results.length - failed}/${results.length} passed in ${((Date.now() - started) / 1000).toFixed(1)} s${keep && project ? ` (project kept at ${project})` : ''}`,
);
if (failed > 0) process.exitCode = 1;
