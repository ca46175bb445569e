import { defineConfig } from 'tsdown';

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
});
