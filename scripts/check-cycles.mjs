// `npm test` step: fails on any import cycle among the packages' sources, type-only imports included.
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findImportCycles } from './import-cycles.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { files, cycles } = findImportCycles(join(root, 'packages'));
const show = (file) => relative(root, file);
if (cycles.length > 0) {
  const lines = [`check-cycles: ${cycles.length} import cycle(s), type-only imports included:`];
  for (const { component, loop } of cycles) {
    lines.push(`  ${component.length} files tied together: ${component.map(show).join(', ')}`);
    lines.push(`    for example ${loop.map(show).join(' → ')}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`check-cycles: no import cycle among ${files} source files\n`);
