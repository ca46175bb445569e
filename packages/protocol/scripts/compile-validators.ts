// Writes src/compiled/frames.generated.ts from the zod schemas. Run: pnpm --filter @gateway/protocol validators
// `src/compiled/compiled.test.ts` fails when the checked-in file differs from what this would write.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileValidators } from '../src/compiled/compile';

export const GENERATED_FILE = fileURLToPath(new URL('../src/compiled/frames.generated.ts', import.meta.url));

// Only when run as a script, so importing this module never writes.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_FILE, compileValidators().source);
  process.stdout.write(`wrote ${GENERATED_FILE}\n`);
}
