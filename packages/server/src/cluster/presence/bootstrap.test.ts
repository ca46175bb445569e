import { describe, expect, it } from 'vitest';
import type { PresenceDelta } from '../../core/presence/delta';
import { helloHeard, holdsDeltas, IDLE, LOADED, overdue, subscribing, waitingDeltas } from './bootstrap';

const down: PresenceDelta = { op: 'down', origin: 'n', at: '2025-01-01T00:00:00.000Z', session: 's', user_id: 'u' };

describe('the bootstrap state', () => {
  it('holds deltas from its hello until the snapshot is loaded, and hands them back in order', () => {
    const started = subscribing('n1', 1_000);
    expect(holdsDeltas(started)).toBe(true);
    if (!holdsDeltas(started)) return;
    started.waiting.push(down);
    expect(helloHeard(started, 'someone else')).toBeUndefined();
    const loading = helloHeard(started, 'n1');
    expect(loading).toMatchObject({ phase: 'loading', nonce: 'n1', since: 1_000 });
    expect(loading && waitingDeltas(loading)).toEqual([down]);
    expect(loading && helloHeard(loading, 'n1')).toBeUndefined();
  });

  it('gives a try up once it outlasts its limit; idle and loaded hold nothing', () => {
    const started = subscribing('n1', 1_000);
    expect(overdue(started, 1_500, 500)).toBe(false);
    expect(overdue(started, 1_501, 500)).toBe(true);
    for (const settled of [IDLE, LOADED]) {
      expect(holdsDeltas(settled)).toBe(false);
      expect(overdue(settled, Number.MAX_SAFE_INTEGER, 0)).toBe(false);
      expect(waitingDeltas(settled)).toEqual([]);
    }
  });
});
