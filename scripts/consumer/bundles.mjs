// Bundles apps against the installed packages: what a browser app gets from `createClient` (no `ws`, no
// zod, within the budget), what a `defineEvent` app pays for zod/mini, and that React Native's conditions
// reach no Node module. Sizes come from the benchmark's own `measure`, beside its baselines.
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleSizes, CLIENT, REACT } from '../../bench/src/bundle-size.mjs';

/** `createClient` alone, minified and gzipped, at most this many bytes (socket.io-client is about 13,000). */
export const CLIENT_BUDGET_BYTES = 12_000;

/** What the React bindings may add to the client in an app's bundle (React itself not counted). */
export const REACT_BUDGET_BYTES = 4_000;

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/** Packages a browser or React Native bundle of `createClient` must not contain. */
const FORBIDDEN = [/\/node_modules\/ws\//, /\/node_modules\/zod\//, /\/node_modules\/isomorphic-ws\//];

/** Modules that put code into the bundle (esbuild lists modules it read and then shook out, with 0 bytes). */
function inputsOf(metafile) {
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

function externalsOf(metafile) {
  return Object.values(metafile.inputs).flatMap((input) =>
    input.imports.filter((found) => found.external).map((found) => found.path),
  );
}

/** React Native's resolution (Metro): its condition, then the browser field, then main. */
async function reactNativeBundle(project) {
  const result = await build({
    entryPoints: [join(project, 'browser-app.js')],
    absWorkingDir: project,
    bundle: true,
    write: false,
    platform: 'neutral',
    format: 'esm',
    conditions: ['react-native', 'browser', 'import', 'require'],
    mainFields: ['react-native', 'browser', 'module', 'main'],
    external: NODE_BUILTINS,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

/**
 * @param {string} project the consumer project
 */
export async function bundleChecks(project) {
  const results = [];
  const sizes = await bundleSizes({ clientResolveDir: project });
  const client = sizes.find((size) => size.name === CLIENT);
  const react = sizes.find((size) => size.name === REACT);
  const browser = client.metafile;
  if (client.gzipped === undefined) {
    results.push({ name: 'browser bundle of createClient', ok: false, output: client.error });
  } else {
    const found = inputsOf(browser).filter((path) => FORBIDDEN.some((pattern) => pattern.test(path)));
    const nodeModules = externalsOf(browser).filter((path) => NODE_BUILTINS.includes(path));
    results.push({
      name: 'browser bundle of createClient has no ws, isomorphic-ws, zod or node: module',
      ok: found.length === 0 && nodeModules.length === 0,
      output: [...found, ...nodeModules].join('\n'),
    });
    results.push({
      name: `createClient ${client.gzipped} B min+gzip ≤ ${CLIENT_BUDGET_BYTES} B`,
      ok: client.gzipped <= CLIENT_BUDGET_BYTES,
      output: '',
    });
  }
  try {
    const native = await reactNativeBundle(project);
    const reached = [...externalsOf(native), ...inputsOf(native).filter((path) => FORBIDDEN.some((p) => p.test(path)))];
    results.push({
      name: 'React Native bundle of createClient reaches no node: module, ws or zod',
      ok: reached.length === 0,
      output: reached.join('\n'),
    });
  } catch (error) {
    results.push({ name: 'React Native bundle of createClient', ok: false, output: error.message });
  }
  if (react?.gzipped === undefined || client.gzipped === undefined) {
    results.push({ name: 'browser bundle of the React hooks', ok: false, output: react?.error ?? 'not measured' });
  } else {
    const found = inputsOf(react.metafile).filter((path) => FORBIDDEN.some((pattern) => pattern.test(path)));
    const added = react.gzipped - client.gzipped;
    results.push({
      name: `React hooks add ${added} B min+gzip to the client ≤ ${REACT_BUDGET_BYTES} B, with no ws, zod or node: module`,
      ok: added <= REACT_BUDGET_BYTES && found.length === 0,
      output: found.join('\n'),
    });
  }
  return { results, sizes };
}
