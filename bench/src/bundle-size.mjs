// Client bundle sizes: the gateway client as users install it (the built dist, as packed; the consumer check
// passes its npm-installed copy) beside socket.io-client, phoenix and centrifuge, each bundled by the same
// esbuild settings (browser, esm, minified, all dependencies in) and gzipped.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The bench depends on the client, the React bindings and zod: resolving from here reaches their built dist. */
const here = fileURLToPath(new URL('.', import.meta.url));

export const CLIENT = '@gateway/client';
export const CLIENT_WITH_DEFINE_EVENT = '@gateway/client + defineEvent';
export const REACT = '@gateway/react + client (React not counted)';

/** What an application imports from each library: its main entry point. `app` marks the gateway's own. */
export const BUNDLES = [
  { name: CLIENT, app: true, code: "export { createClient } from '@gateway/client';" },
  {
    name: CLIENT_WITH_DEFINE_EVENT,
    app: true,
    code: [
      "import { createClient, defineEvent } from '@gateway/client';",
      "import * as z from 'zod/mini';",
      "export const Ping = defineEvent('app.ping', z.object({ text: z.string() }), { direction: 'client' });",
      'export { createClient };',
    ].join('\n'),
  },
  {
    name: REACT,
    app: true,
    code: [
      'export { GatewayProvider, useConnection, useEvent, useMessages, usePresence, useRoom, useTyping }',
      "  from '@gateway/react';",
    ].join('\n'),
    // The app has React already; what the bindings add is theirs and the client's.
    external: ['react', 'react-dom', 'react/jsx-runtime'],
  },
  { name: 'socket.io-client', code: "export { io } from 'socket.io-client';" },
  { name: 'phoenix', code: "export { Socket } from 'phoenix';" },
  { name: 'centrifuge', code: "export { Centrifuge } from 'centrifuge';" },
];

/**
 * Bundles one entry the way every size here is measured, and weighs it minified and gzipped. No export
 * condition beyond a browser bundler's own: the published packages are measured, never the sources.
 * @param {string} code
 * @param {string} resolveDir where the entry's imports resolve from
 * @param {string[]} [external] packages the app has anyway, left out of the size
 * @returns {Promise<{minified: number, gzipped: number, metafile: import('esbuild').Metafile}>}
 */
export async function measure(code, resolveDir, external = []) {
  const result = await build({
    stdin: { contents: code, resolveDir, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    minify: true,
    metafile: true,
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0].contents;
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length, metafile: result.metafile };
}

/**
 * @param {{ names?: readonly string[], clientResolveDir?: string }} [options] the bundles to measure (all when
 *   left out), and where the gateway's packages resolve from (default: the workspace's built dist, through the bench)
 * @returns {Promise<{name: string, minified?: number, gzipped?: number, metafile?: import('esbuild').Metafile, error?: string}[]>}
 */
export async function bundleSizes({ names, clientResolveDir = here } = {}) {
  const sizes = [];
  for (const bundle of BUNDLES) {
    if (names !== undefined && !names.includes(bundle.name)) continue;
    try {
      sizes.push({
        name: bundle.name,
        ...(await measure(bundle.code, bundle.app ? clientResolveDir : here, bundle.external)),
      });
    } catch (error) {
      sizes.push({ name: bundle.name, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  return sizes;
}
