const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `1h`, `1.5h`, `1d`, `500ms` in milliseconds; undefined for anything else (a unit is required). */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null) return undefined;
  const [, amount = '', unit = 'ms'] = match;
  const ms = Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `24 h`, `90 min`, `45 s`: the largest unit that divides it, for messages. */
export function showDuration(ms: number): string {
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h} h`;
  if (ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m} min`;
  return `${ms / UNIT_MS.s} s`;
}
