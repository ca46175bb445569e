import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ChaosConfig, readChaosConfig, readExpiryConfig } from './config';
import { type ChaosFigures, type ChaosOutcome, runChaos } from './harness';

const config = readChaosConfig();
const expiry = readExpiryConfig();
// Publishing, the convergence deadline, the final barrier and start-up, with room to spare.
const timeoutOf = (run: ChaosConfig) => run.publishMs + run.convergeMs + 30_000;

/** The headline figures on one line, for failure messages (the full set goes to CHAOS_REPORT). */
function headline(figures: ChaosFigures): string {
  const { faults, chat } = figures;
  return JSON.stringify({
    seed: figures.seed,
    faults: {
      cuts: faults.cuts,
      stalls: faults.stalls,
      delays: faults.delays,
      outages: faults.outages,
      refused: faults.refused,
      connections: faults.connections,
    },
    published: figures.published,
    delivered: figures.delivered,
    duplicates: figures.duplicates,
    outOfOrder: figures.outOfOrder,
    losses: figures.losses,
    resets: figures.resets,
    invalidSessions: figures.invalidSessions,
    recovery: figures.recovery,
    resumes: figures.resumes,
    replayed: figures.replayed,
    chat,
    reconnectMs: figures.reconnectMs,
    resumeMs: figures.resumeMs,
    convergeMs: figures.convergeMs,
  });
}

/**
 * Where a scenario's figures go: the resume run's to CHAOS_REPORT as ever, the expiry run's beside it
 * (`chaos.json` → `chaos.expiry.json`).
 */
function reportPath(run: ChaosConfig): string | undefined {
  const report = process.env.CHAOS_REPORT;
  if (report === undefined || report === '') return undefined;
  if (run.scenario === 'resume') return report;
  const dot = report.lastIndexOf('.');
  return dot > report.lastIndexOf('/')
    ? `${report.slice(0, dot)}.${run.scenario}${report.slice(dot)}`
    : `${report}.${run.scenario}`;
}

/** Runs one scenario, writes its figures, and returns them with the text every failure message carries. */
async function run(chaos: ChaosConfig): Promise<ChaosOutcome & { context: string }> {
  const outcome = await runChaos(chaos).catch((error: unknown) => {
    // A run that could not even start or finish (no first ready, say) still names its seed.
    throw new Error(`chaos run with seed ${chaos.seed} failed: ${String(error)}`, { cause: error });
  });
  const report = reportPath(chaos);
  if (report !== undefined) writeFileSync(report, `${JSON.stringify(outcome.figures, null, 2)}\n`);
  const replay = `seed ${outcome.figures.seed} (replay the schedule with CHAOS_SEED=${outcome.figures.seed})`;
  return { ...outcome, context: `${replay}\nfigures: ${headline(outcome.figures)}` };
}

describe('chaos: delivery through a faulty network', () => {
  it(
    `every subscriber sees every tick once and in order, and every message is delivered once (seed ${config.seed})`,
    async () => {
      const { figures, violations, context } = await run(config);
      expect(violations, `chaos run broke its promises — ${context}`).toEqual([]);
      expect(figures.resets, `resets — ${context}`).toBe(0);
      expect(
        figures.faults.cuts + figures.faults.stalls,
        `too few faults to prove anything — ${context}`,
      ).toBeGreaterThan(config.subscribers);
    },
    timeoutOf(config),
  );

  it(
    `with sessions expiring, rooms come back whole from the clients' positions: every tick and message once, in order (seed ${expiry.seed})`,
    async () => {
      const { figures, violations, context } = await run(expiry);
      expect(violations, `chaos run broke its promises — ${context}`).toEqual([]);
      // Judged in the violations too; stated here as the scenario's promise: no room reset, no hole, no loss.
      expect(figures.recovery.roomResets, `resets naming the room — ${context}`).toBe(0);
      expect(figures.recovery.holes, `recoveries with a hole — ${context}`).toBe(0);
      expect(
        figures.losses + figures.duplicates + figures.outOfOrder,
        `losses, duplicates, disorder — ${context}`,
      ).toBe(0);
      // Without expired sessions recovered from the room's log the run proves nothing about recovery.
      expect(figures.invalidSessions, `no session expired — ${context}`).toBeGreaterThan(0);
      expect(figures.recovery.whole, `no room recovered — ${context}`).toBeGreaterThan(0);
      expect(figures.recovery.replayed, `nothing replayed from the room's log — ${context}`).toBeGreaterThan(0);
      // Every new session that replaced a lost one (each announced by a reset) answered for the room.
      expect(figures.recovery.answered, `new sessions without a recovery answer — ${context}`).toBe(figures.resets);
    },
    timeoutOf(expiry),
  );
});
