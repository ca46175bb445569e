// Client bundle sizes: the gateway client (from source) beside socket.io-client, phoenix and centrifuge,
// each bundled by the same esbuild settings (browser, esm, minified, all dependencies in) and gzipped.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const clientSource = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url));

export const CLIENT = '@gateway/client';

/** What an application imports from each library: its main entry point. */
export const BUNDLES = [
  { name: CLIENT, code: `export { createClient } from ${JSON.stringify(clientSource)};` },
  { name: 'socket.io-client', code: "export { io } from 'socket.io-client';" },
  { name: 'phoenix', code: "export { Socket } from 'phoenix';" },
  { name: 'centrifuge', code: "export { Centrifuge } from 'centrifuge';" },
];

/**
 * Bundles one entry the way every size here is measured, and weighs it minified and gzipped.
 * @param {string} code
 * @returns {Promise<{minified: number, gzipped: number}>}
 */
async function measure(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: here, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    minify: true,
    conditions: ['@gateway/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0].contents;
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}

/**
 * @param {readonly string[]} [names] the bundles to measure, by name; all of them when left out
 * @returns {Promise<{name: string, minified?: number, gzipped?: number, error?: string}[]>}
 */
export async function bundleSizes(names) {
  const sizes = [];
  for (const bundle of BUNDLES) {
    if (names !== undefined && !names.includes(bundle.name)) continue;
    try {
      sizes.push({ name: bundle.name, ...(await measure(bundle.code)) });
    } catch (error) {
      sizes.push({ name: bundle.name, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  return sizes;
}

/** The client's budget: socket.io-client's gzipped size, measured by the same `measure` in the same run. */
export const BUDGET_BASELINE = 'socket.io-client';

/**
 * The client beside its budget. `ok` (what CI goes by) is false when the client is above the budget, and
 * when either bundle could not be measured, so a broken baseline never passes.
 * @returns {Promise<{ok: boolean, lines: string[]}>}
 */
export async function checkClientBudget() {
  const sizes = await bundleSizes([CLIENT, BUDGET_BASELINE]);
  const describe = (/** @type {(typeof sizes)[number]} */ size) =>
    size.gzipped === undefined
      ? `${size.name}: could not be measured (${size.error})`
      : `${size.name}: ${size.minified} bytes minified, ${size.gzipped} bytes min+gzip`;
  const [client, baseline] = sizes;
  if (client?.gzipped === undefined || baseline?.gzipped === undefined) {
    return { ok: false, lines: [...sizes.map(describe), 'no verdict without both sizes'] };
  }
  const ok = client.gzipped <= baseline.gzipped;
  const verdict = `client bundle budget (≤ ${BUDGET_BASELINE}): ${ok ? 'within' : 'OVER'} by ${Math.abs(baseline.gzipped - client.gzipped)} bytes`;
  return { ok, lines: [...sizes.map(describe), verdict] };
}
