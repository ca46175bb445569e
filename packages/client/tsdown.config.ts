import { transform } from 'esbuild';
import { EventEmitter } from 'eventemitter3';
import { defineConfig } from 'tsdown';

// Private members (`_name`) get short names in the shipped JavaScript, the one thing an app's minifier cannot do
// for them: about 500 bytes of the gzipped browser bundle. Whitespace and local names are left to that minifier,
// so dist stays readable; eventemitter3's own `_events` and `_eventsCount` keep their names.
const mangleCache: Record<string, string | false> = {};
const inherited = new Set(Object.getOwnPropertyNames(EventEmitter.prototype));
const manglePrivateMembers = {
  name: 'mangle-private-members',
  async renderChunk(code: string, chunk: { fileName: string }) {
    if (!/\.c?js$/.test(chunk.fileName)) return null;
    const result = await transform(code, {
      loader: 'js',
      mangleProps: /^_[a-zA-Z]/,
      reserveProps: /^_events(Count)?$/,
      mangleCache,
      sourcemap: true,
      sourcefile: chunk.fileName,
    });
    Object.assign(mangleCache, result.mangleCache);
    const clashes = Object.values(result.mangleCache).filter((name) => typeof name === 'string' && inherited.has(name));
    if (clashes.length > 0) throw new Error(`A private member was renamed over an EventEmitter member: ${clashes}`);
    return { code: result.code, map: result.map };
  },
};

export default defineConfig({
  // Two entries over one shared chunk: `index` (browsers, React Native: the global WebSocket, nothing of Node)
  // and `node` (the same client, defaulting to `ws`).
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  // `import.meta.url` for node.ts's createRequire, in the CJS build too.
  shims: true,
  // Dependencies stay imports: the app's bundler dedupes them; `ws` is required by node.ts only, at run time.
  external: ['ws', 'eventemitter3', '@gateway/protocol', /^node:/],
  plugins: [manglePrivateMembers],
});
