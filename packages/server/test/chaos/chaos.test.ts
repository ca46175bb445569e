import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readChaosConfig } from './config';
import { type ChaosFigures, runChaos } from './harness';

const config = readChaosConfig();
// Publishing, the convergence deadline, the final barrier and start-up, with room to spare.
const timeoutMs = config.publishMs + config.convergeMs + 30_000;

/** The headline figures on one line, for failure messages (the full set goes to CHAOS_REPORT). */
function headline(figures: ChaosFigures): string {
  const { faults, chat } = figures;
  return JSON.stringify({
    seed: figures.seed,
    faults: { cuts: faults.cuts, stalls: faults.stalls, delays: faults.delays, connections: faults.connections },
    published: figures.published,
    delivered: figures.delivered,
    duplicates: figures.duplicates,
    outOfOrder: figures.outOfOrder,
    losses: figures.losses,
    resets: figures.resets,
    resumes: figures.resumes,
    replayed: figures.replayed,
    chat,
    reconnectMs: figures.reconnectMs,
    resumeMs: figures.resumeMs,
    convergeMs: figures.convergeMs,
  });
}

describe('chaos: delivery through a faulty network', () => {
  it(
    `every subscriber sees every tick once and in order, and every message is delivered once (seed ${config.seed})`,
    async () => {
      const { figures, violations } = await runChaos(config).catch((error: unknown) => {
        // A run that could not even start or finish (no first ready, say) still names its seed.
        throw new Error(`chaos run with seed ${config.seed} failed: ${String(error)}`, { cause: error });
      });
      const report = process.env.CHAOS_REPORT;
      if (report !== undefined && report !== '') writeFileSync(report, `${JSON.stringify(figures, null, 2)}\n`);

      const replay = `seed ${figures.seed} (replay the schedule with CHAOS_SEED=${figures.seed})`;
      const context = `${replay}\nfigures: ${headline(figures)}`;
      expect(violations, `chaos run broke its promises — ${context}`).toEqual([]);
      expect(figures.resets, `resets — ${context}`).toBe(0);
      expect(
        figures.faults.cuts + figures.faults.stalls,
        `too few faults to prove anything — ${context}`,
      ).toBeGreaterThan(config.subscribers);
    },
    timeoutMs,
  );
});
