import { defineConfig } from 'tsdown';

export default defineConfig({
  // A command, not a library: one ESM entry with its shebang, no declarations. Dependencies stay imports.
  entry: ['src/gateway.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20.19',
  dts: false,
  sourcemap: true,
});
