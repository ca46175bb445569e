// CI step: fails when the browser client bundle outgrows socket.io-client's (both measured by bundle-size.mjs,
// the benchmark's own code, in this run). Takes about a second; prints both sizes and the verdict.
import { checkClientBudget } from './bundle-size.mjs';

const { ok, lines } = await checkClientBudget();
for (const line of lines) process.stdout.write(`${line}\n`);
if (!ok) process.exitCode = 1;
