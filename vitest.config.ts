import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One config, each package a project; every project resolves workspace packages to their
// TypeScript source through the `@gateway/source` export condition, so tests need no build. Setting
// conditions replaces Vite's defaults, so `node` is named again: tests run in Node and take the client's
// Node entry (the one that loads `ws`), as a Node bot does.
const sourceCondition = ['@gateway/source', 'node'];

/** The packages with tests, each a project run in Node. Add a package's name here. */
const packages = ['protocol', 'client', 'server', 'cli', 'testkit', 'react'];

/** The examples, each a project too (`example-<dir>`): their tests prove they run as their READMEs say. */
const examples = ['node-bot', 'react-chat'];

const projects = [
  ...packages.map((name) => ({ name, root: `packages/${name}` })),
  ...examples.map((dir) => ({ name: `example-${dir}`, root: `examples/${dir}` })),
];

/**
 * The projects whose tests render components, run in a DOM (happy-dom) instead of bare Node. They still take
 * the `node` conditions: the real gateway they test against (and `ws`) runs in the same process.
 */
const inDom = new Set(['react']);

export default defineConfig({
  test: {
    projects: projects.map(({ name, root }) => ({
      extends: true,
      resolve: { conditions: sourceCondition },
      ssr: { resolve: { conditions: sourceCondition } },
      test: {
        name,
        root,
        environment: inDom.has(name) ? 'happy-dom' : 'node',
        include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
        typecheck: {
          enabled: true,
          include: ['src/**/*.test-d.{ts,tsx}', 'test/**/*.test-d.{ts,tsx}'],
          // The packages' own tsconfigs cover only src (what ships); type tests live in test/.
          tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
        },
      },
    })),
    reporters: ['default', fileURLToPath(new URL('./scripts/summary-reporter.ts', import.meta.url))],
    setupFiles: [fileURLToPath(new URL('./scripts/fail-on-console.ts', import.meta.url))],
    testTimeout: 15_000,
    hookTimeout: 20_000,
  },
});
