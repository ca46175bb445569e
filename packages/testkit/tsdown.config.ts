import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  dts: true,
  sourcemap: true,
  // The gateway and the client stay imports, so the app's own copies (and their clocks' types) are the kit's.
  external: [/^@gateway\//, 'ws', /^node:/],
});
