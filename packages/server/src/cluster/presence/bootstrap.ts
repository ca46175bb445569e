import type { PresenceDelta } from '../../core/presence/delta';

/**
 * Where a late instance is in taking over what the presence snapshot holds, as one value:
 * `idle` (not loaded: never started, or the last try failed), `subscribing` (its hello is on the channel; the
 * deltas it hears meanwhile wait), `loading` (its hello came back, so its subscription is live: the snapshot
 * is being read) and `loaded`. Deltas heard while subscribing or loading are applied after the snapshot,
 * in order; they are idempotent over it.
 */
export type Bootstrap =
  | { readonly phase: 'idle' }
  | {
      readonly phase: 'subscribing' | 'loading';
      readonly nonce: string;
      readonly since: number;
      readonly waiting: PresenceDelta[];
    }
  | { readonly phase: 'loaded' };

/** Deltas heard while the snapshot loads wait; past this many the load is abandoned and tried again. */
export const MAX_WAITING_DELTAS = 100_000;

export const IDLE: Bootstrap = { phase: 'idle' };
export const LOADED: Bootstrap = { phase: 'loaded' };

export function subscribing(nonce: string, now: number): Bootstrap {
  return { phase: 'subscribing', nonce, since: now, waiting: [] };
}

/** Its own hello came back: the snapshot may be read now. Undefined when the hello is not the awaited one. */
export function helloHeard(state: Bootstrap, nonce: string): Bootstrap | undefined {
  if (state.phase !== 'subscribing' || state.nonce !== nonce) return undefined;
  return { phase: 'loading', nonce, since: state.since, waiting: state.waiting };
}

/** True while deltas must wait for the snapshot. */
export function holdsDeltas(state: Bootstrap): state is Extract<Bootstrap, { waiting: PresenceDelta[] }> {
  return state.phase === 'subscribing' || state.phase === 'loading';
}

/** A try that has taken longer than `limitMs` is given up (its hello or its read was lost). */
export function overdue(state: Bootstrap, now: number, limitMs: number): boolean {
  return holdsDeltas(state) && now - state.since > limitMs;
}

/** The deltas that waited, in arrival order, to apply now that the try is over (loaded or not). */
export function waitingDeltas(state: Bootstrap): PresenceDelta[] {
  return holdsDeltas(state) ? state.waiting : [];
}
