import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const attackScript = fileURLToPath(new URL('./one-user-attack.ts', import.meta.url));
const serverModule = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Outcome {
  retained_bytes: number;
  peak_bytes: number;
  sent: number;
  refused: number;
}

/** Runs the attack in a process of its own with `--expose-gc`, so the heap it reports holds nothing else. */
function runAttack(attack: Record<string, unknown>): Promise<Outcome> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', tsxLoader, '--conditions=@gateway/source', attackScript],
    { env: { ...process.env, ATTACK: JSON.stringify({ serverModule, ...attack }) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the attack exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Outcome);
    });
  });
}

const MiB = 1024 * 1024;

describe('one patient user within the limits', () => {
  it('leaves at most the budgets behind once gone: history in bytes, dedup in claims, nothing of its recordings', async () => {
    const historyMaxBytes = 2 * MiB;
    const dedupMaxEntries = 500;
    const outcome = await runAttack({
      options: {
        historyMaxBytes,
        dedupMaxEntries,
        // The rate limits only stretch the attack in time; what stays behind depends on what was sent.
        rateLimits: {
          general: { burst: 1_000_000, perSecond: 1_000_000 },
          recording: { burst: 1_000_000, perSecond: 1_000_000 },
        },
      },
      // 1,500 frames of ~16 KB (content at its cap, metadata up to the frame limit) over 300 room ids: 24 MB.
      messages: 1500,
      rooms: 300,
      contentChars: 8192,
      metadataChars: 7800,
      recordings: 2,
    });
    expect(outcome).toMatchObject({ sent: 1500, refused: 0 });
    // History weighs its messages' JSON; each claim is its ids and ack (a few hundred bytes); the rest is slack
    // for what any heap reading moves by. The code before the budgets kept all 24 MB.
    const budget = historyMaxBytes + dedupMaxEntries * 512 + 3 * MiB;
    expect(outcome.retained_bytes).toBeLessThan(budget);
  }, 90_000);
});
