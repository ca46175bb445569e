import type { PresenceEntry } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { emptyPresence, type PresenceFrame, PresenceView, reducePresence } from '../src/presence-view';

const at = '2025-01-01T00:00:00.000Z';

function entry(userId: string, devices: [string, PresenceEntry['status']][]): PresenceEntry {
  const statuses = devices.map(([, status]) => status);
  const status = statuses.includes('online') ? 'online' : statuses.includes('dnd') ? 'dnd' : 'idle';
  return {
    user_id: userId,
    status,
    devices: devices.map(([id, deviceStatus]) => ({ device_id: id, device_type: 'web', status: deviceStatus })),
    updated_at: at,
  };
}

const ready = (presence: PresenceEntry[]): PresenceFrame => ({
  type: 'ready',
  payload: { session_id: 's', user: { id: 'me' }, device_id: 'd', subscriptions: [], presence },
});

function run(frames: PresenceFrame[]) {
  const state = frames.reduce(reducePresence, emptyPresence);
  return { state, view: new PresenceView(() => state) };
}

describe('presence view', () => {
  it('starts from the ready snapshot', () => {
    const { view } = run([ready([entry('bob', [['b1', 'online']])])]);
    expect(view.list().map((e) => e.user_id)).toEqual(['bob']);
    expect(view.get('bob')?.status).toBe('online');
  });

  it('follows one user across two devices: join, second device, status change, one leaves', () => {
    const phone = entry('bob', [['phone', 'idle']]);
    const both = entry('bob', [
      ['phone', 'idle'],
      ['laptop', 'online'],
    ]);
    const { view } = run([
      ready([]),
      { type: 'presence.join', payload: { presence: phone } },
      { type: 'presence.update', payload: { presence: both } },
    ]);
    expect(view.get('bob')?.devices.map((d) => d.device_id)).toEqual(['phone', 'laptop']);
    expect(view.get('bob')?.status).toBe('online');

    const later = run([
      ready([both]),
      { type: 'presence.update', payload: { presence: entry('bob', [['phone', 'idle']]) } },
    ]);
    expect(later.view.get('bob')?.status).toBe('idle');
    expect(later.view.get('bob')?.devices).toHaveLength(1);
  });

  it('drops the user when the last device leaves, from the global scope and every room', () => {
    const bob = entry('bob', [['b1', 'online']]);
    const { view } = run([
      ready([bob]),
      { type: 'subscribed', payload: { rooms: [{ room_id: 'r1', members: [bob], recent_messages: [] }], refused: [] } },
      { type: 'presence.leave', payload: { user_id: 'bob' } },
    ]);
    expect(view.get('bob')).toBeUndefined();
    expect(view.inRoom('r1')).toEqual([]);
  });

  it('keeps rooms apart: room-scoped join and leave touch only that room', () => {
    const carol = entry('carol', [['c1', 'online']]);
    const { view } = run([
      ready([]),
      { type: 'subscribed', payload: { rooms: [{ room_id: 'r1', members: [], recent_messages: [] }], refused: [] } },
      { type: 'presence.join', payload: { room_id: 'r1', presence: carol } },
      { type: 'presence.join', payload: { room_id: 'r2', presence: carol } },
      { type: 'presence.leave', payload: { room_id: 'r2', user_id: 'carol' } },
    ]);
    expect(view.inRoom('r1').map((e) => e.user_id)).toEqual(['carol']);
    expect(view.inRoom('r2')).toEqual([]);
    expect(view.get('carol')?.status).toBe('online');
  });

  it('refreshes a user in their rooms when their global status changes', () => {
    const dave = entry('dave', [['d1', 'online']]);
    const { view } = run([
      ready([dave]),
      {
        type: 'subscribed',
        payload: { rooms: [{ room_id: 'r1', members: [dave], recent_messages: [] }], refused: [] },
      },
      { type: 'presence.update', payload: { presence: entry('dave', [['d1', 'dnd']]) } },
    ]);
    expect(view.inRoom('r1')[0]?.status).toBe('dnd');
  });

  it('forgets a room on unsubscribed, and returns the same state when nothing changes', () => {
    const { state, view } = run([
      ready([]),
      { type: 'subscribed', payload: { rooms: [{ room_id: 'r1', members: [], recent_messages: [] }], refused: [] } },
      { type: 'unsubscribed', payload: { room_ids: ['r1'] } },
    ]);
    expect(view.inRoom('r1')).toEqual([]);
    expect(reducePresence(state, { type: 'presence.leave', payload: { room_id: 'r9', user_id: 'x' } })).toBe(state);
  });
});
