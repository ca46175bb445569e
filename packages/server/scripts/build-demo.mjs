// Bundles the demo page's script with the client package for the browser. Workspace packages are
// taken from source (the `@gateway/source` condition), so the demo builds without building them first.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Builds `demo/public/demo.js`; returns the path written. */
export async function buildDemo() {
  const outfile = `${packageRoot}demo/public/demo.js`;
  await build({
    entryPoints: [`${packageRoot}demo/src/demo.ts`],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@gateway/source'],
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDemo();
