// Client bundle sizes: the gateway client (from source) beside socket.io-client, phoenix and centrifuge,
// each bundled by the same esbuild settings (browser, esm, minified, all dependencies in) and gzipped.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const clientSource = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url));

/** What an application imports from each library: its main entry point. */
export const BUNDLES = [
  { name: '@gateway/client', code: `export { createClient } from ${JSON.stringify(clientSource)};` },
  { name: 'socket.io-client', code: "export { io } from 'socket.io-client';" },
  { name: 'phoenix', code: "export { Socket } from 'phoenix';" },
  { name: 'centrifuge', code: "export { Centrifuge } from 'centrifuge';" },
];

/**
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

/** @returns {Promise<{name: string, minified?: number, gzipped?: number, error?: string}[]>} */
export async function bundleSizes() {
  const sizes = [];
  for (const bundle of BUNDLES) {
    try {
      sizes.push({ name: bundle.name, ...(await measure(bundle.code)) });
    } catch (error) {
      sizes.push({ name: bundle.name, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  return sizes;
}
