import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runGcScript } from '../helpers/gc-child';

const attackScript = fileURLToPath(new URL('./one-user-attack.ts', import.meta.url));
const serverModule = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

interface Outcome {
  retained_bytes: number;
  peak_bytes: number;
  sent: number;
  refused: number;
}

/** Runs the attack in a process of its own with `--expose-gc`, so the heap it reports holds nothing else. */
async function runAttack(attack: Record<string, unknown>): Promise<Outcome> {
  const lines = await runGcScript(attackScript, 'ATTACK', { serverModule, ...attack }, 60_000);
  return JSON.parse(lines.at(-1) ?? '{}') as Outcome;
}

const MiB = 1024 * 1024;

describe('one patient user within the limits', () => {
  it('leaves at most the budgets behind once gone: history and room logs in bytes, dedup in claims, nothing of its recordings', async () => {
    const historyMaxBytes = 2 * MiB;
    const roomLogMaxBytes = 2 * MiB;
    const dedupMaxEntries = 500;
    const outcome = await runAttack({
      options: {
        historyMaxBytes,
        roomLogBudget: { maxBytes: roomLogMaxBytes },
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
    // History weighs its messages' JSON, room logs their bodies (ASCII here: a byte each); each claim is its ids
    // and ack (a few hundred bytes); the rest is slack for what any heap reading moves by. The code before the
    // budgets kept all 24 MB, twice over once rooms kept logs.
    const budget = historyMaxBytes + roomLogMaxBytes + dedupMaxEntries * 512 + 3 * MiB;
    expect(outcome.retained_bytes).toBeLessThan(budget);
  }, 90_000);
});
