import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  // One output file per source module: with `sideEffects: false` a bundler drops every module whose exports
  // an app leaves unused, so the client's compiled validators never drag the zod schemas in.
  unbundle: true,
});
