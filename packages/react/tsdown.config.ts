import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  // Peers stay imports: the app's React and its one client (whose events and state the hooks share).
  external: ['react', /^react\//, '@gateway/client'],
});
