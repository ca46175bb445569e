// Bundles the demo page's script with the client package for the browser. Workspace packages are
// taken from source (the `@gateway/source` condition), so the demo builds without building them first.
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const publicDir = join(packageRoot, 'demo', 'public');
/** What the page needs besides its script; committed in `demo/public`. */
const STATIC_FILES = ['index.html', 'favicon.svg', 'favicon.ico'];

/**
 * Builds `demo.js` (and its source map) into `demo/public`, or into `outDir` with the page's other files
 * copied beside it: each browser test file serves a directory of its own, so tests running at once, or a
 * build beside them, never serve a half-written script. Resolves to the directory.
 */
export async function buildDemo(outDir = publicDir) {
  await mkdir(outDir, { recursive: true });
  if (resolve(outDir) !== resolve(publicDir)) {
    await Promise.all(STATIC_FILES.map((file) => copyFile(join(publicDir, file), join(outDir, file))));
  }
  await build({
    entryPoints: [join(packageRoot, 'demo', 'src', 'demo.ts')],
    outfile: join(outDir, 'demo.js'),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@gateway/source'],
    logLevel: 'warning',
  });
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDemo();
