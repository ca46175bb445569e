import { describe, expect, it } from 'vitest';
import { aggregateStatus } from './aggregate';
import type { PresenceDelta } from './delta';
import { PresenceTable } from './table';

const device = (device_id: string, status: 'online' | 'idle' | 'dnd' | 'invisible') =>
  ({ device_id, device_type: 'web', status }) as const;

describe('aggregateStatus', () => {
  it.each([
    [['idle', 'online'], 'online'],
    [['idle', 'dnd'], 'dnd'],
    [['idle'], 'idle'],
    [['invisible', 'idle'], 'idle'],
    [['invisible'], undefined],
    [[], undefined],
  ] as const)('%j → %s', (statuses, expected) => {
    expect(aggregateStatus(statuses.map((status, i) => device(`d${i}`, status)))).toBe(expected);
  });
});

describe('PresenceTable', () => {
  const at = '2025-01-01T00:00:00.000Z';
  const user = { id: 'u' };
  const up = (session: string, d: ReturnType<typeof device>): PresenceDelta => ({
    op: 'up',
    origin: 'n',
    at,
    node: 'n',
    session,
    user,
    device: d,
  });
  const status = (session: string, s: 'online' | 'invisible'): PresenceDelta => ({
    op: 'status',
    origin: 'n',
    at,
    session,
    user_id: 'u',
    status: s,
  });
  const down = (session: string): PresenceDelta => ({ op: 'down', origin: 'n', at, session, user_id: 'u' });
  /** The user-level change one delta made, as others see it ('none' when it made none). */
  const change = (table: PresenceTable, delta: PresenceDelta) => {
    const found = table.apply(delta).find((transition) => transition.kind === 'presence');
    return found?.kind === 'presence' ? found.change : { kind: 'none' };
  };

  it('reports join, update and leave as others see them', () => {
    const table = new PresenceTable();
    expect(change(table, up('s1', device('a', 'idle'))).kind).toBe('join');
    expect(change(table, up('s2', device('b', 'online')))).toMatchObject({
      kind: 'update',
      entry: { status: 'online' },
    });
    expect(change(table, status('s2', 'invisible'))).toMatchObject({ kind: 'update', entry: { status: 'idle' } });
    expect(change(table, down('s1'))).toEqual({ kind: 'leave', userId: 'u' });
    expect(table.entry('u')).toBeUndefined();
    expect(change(table, status('s2', 'online')).kind).toBe('join');
    expect(change(table, down('s2')).kind).toBe('leave');
    expect(change(table, down('s2')).kind).toBe('none');
    expect(table.userCount).toBe(0);
  });
});
