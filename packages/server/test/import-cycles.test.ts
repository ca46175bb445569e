import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImportCycles } from '../../../scripts/import-cycles.mjs';

const packages = join(import.meta.dirname, '..', '..');
const fixtures = mkdtempSync(join(tmpdir(), 'gateway-cycles-'));

afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

/** A throwaway workspace: one package `pkg` whose src holds `files`. */
function workspace(name: string, files: Record<string, string>): string {
  const root = join(fixtures, name);
  mkdirSync(join(root, 'pkg', 'src'), { recursive: true });
  writeFileSync(join(root, 'pkg', 'package.json'), '{"name":"pkg"}');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(root, 'pkg', 'src', file), text);
  return root;
}

describe('the import cycle check (npm test runs scripts/check-cycles.mjs)', () => {
  it('finds a cycle made of type-only imports, which a bundler graph would not see', () => {
    const root = workspace('types', {
      'a.ts': "import type { B } from './b';\nexport interface A { b: B }\n",
      'b.ts': "import type { A } from './a';\nexport interface B { a: A }\n",
      'c.ts': "import type { A } from './a';\nexport type C = A;\n",
    });
    const { cycles } = findImportCycles(root);
    expect(cycles.map(({ component }) => component.map((file) => file.slice(root.length + 1)))).toEqual([
      ['pkg/src/a.ts', 'pkg/src/b.ts'],
    ]);
  });

  it('finds a longer loop through re-exports and dynamic imports', () => {
    const root = workspace('chain', {
      'index.ts': "export * from './one';\n",
      'one.ts': "export const one = () => import('./two');\n",
      'two.ts': "export { three } from './three';\n",
      'three.ts': "import { one } from './one';\nexport const three = one;\n",
    });
    expect(findImportCycles(root).cycles.map(({ component }) => component.length)).toEqual([3]);
  });

  it('finds none in the packages', () => {
    const { files, cycles } = findImportCycles(packages);
    expect(files).toBeGreaterThan(150);
    expect(cycles).toEqual([]);
  });
});
