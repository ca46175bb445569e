import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  // Dependencies stay imports: the app's bundler picks isomorphic-ws's browser entry and dedupes zod.
  external: ['isomorphic-ws', 'ws', 'eventemitter3', 'zod', /^zod\//, '@gateway/protocol'],
});
