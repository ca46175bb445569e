// Writes schema/protocol.schema.json from the zod schemas. Run: pnpm --filter @gateway/protocol schema
// `src/json-schema.test.ts` fails when the checked-in file differs from what this would write.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema } from '../src/json-schema';

export { buildJsonSchema, renderJsonSchema } from '../src/json-schema';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/protocol.schema.json', import.meta.url));

// Only when run as a script, so importing this module never writes.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderJsonSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
