// Name and room kept across reloads, so a reload rejoins where the user was.
const KEY = 'gateway-demo';

export interface Remembered {
  readonly name: string;
  readonly room: string;
}

/** What was remembered; storage may be off (private windows, blocked cookies), which is as if nothing was. */
export function remembered(): Partial<Remembered> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    if (typeof value !== 'object' || value === null) return {};
    const { name, room } = value as Record<string, unknown>;
    return { ...(typeof name === 'string' ? { name } : {}), ...(typeof room === 'string' ? { room } : {}) };
  } catch {
    return {};
  }
}

export function remember(value: Partial<Remembered>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(value));
  } catch {
    // Storage is off: the page still works, it just forgets on reload.
  }
}
