import { describe, expect, it } from 'vitest';
import { aggregateStatus, PresenceTable } from './presence';

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
  it('reports join, update and leave as others see them', () => {
    const table = new PresenceTable(() => '2025-01-01T00:00:00.000Z');
    const user = { id: 'u' };
    expect(table.connect('s1', user, device('a', 'idle')).kind).toBe('join');
    const second = table.connect('s2', user, device('b', 'online'));
    expect(second).toMatchObject({ kind: 'update', entry: { status: 'online' } });
    expect(table.update('s2', 'u', 'invisible')).toMatchObject({ kind: 'update', entry: { status: 'idle' } });
    expect(table.disconnect('s1', 'u')).toEqual({ kind: 'leave', userId: 'u' });
    expect(table.entry('u')).toBeUndefined();
    expect(table.update('s2', 'u', 'online').kind).toBe('join');
    expect(table.disconnect('s2', 'u').kind).toBe('leave');
    expect(table.disconnect('s2', 'u').kind).toBe('none');
    expect(table.userCount).toBe(0);
  });
});
