import { act, render, screen, waitFor } from '@testing-library/react/pure';
import { Fragment, createElement as h, type ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { GatewayProvider, type RoomTyping, usePresence, useTyping } from '../src/index';
import { nextEvent, renderWith, startGateway, testClient, within } from './helpers';

function Members({ room }: { room?: string }): ReactElement {
  const { users, stale } = usePresence({ roomId: room });
  const names = users.map((user) => `${user.user_id}:${user.status}`).sort();
  return h('p', { 'data-testid': `members-${room ?? 'all'}` }, `${names.join(' ')}${stale ? ' (stale)' : ''}`);
}

/** The server's count of a room's members. */
function Count({ room }: { room: string }): ReactElement {
  const { count } = usePresence({ roomId: room, select: () => null });
  return h('p', { 'data-testid': `count-${room}` }, String(count));
}

/** The names of a room's members, counting its renders: a selector that makes a fresh array on every call. */
function Names({ renders }: { renders: { count: number } }): ReactElement {
  const { users } = usePresence({ roomId: 'lobby', select: (members) => members.map((m) => m.user_id).sort() });
  renders.count++;
  return h('p', { 'data-testid': 'names' }, users.join(' '));
}

/** Who types in the lobby, seen by `who`, whose notifier goes `into` the test. */
function Composer({ who, into }: { who: 'alice' | 'bob'; into: { alice?: RoomTyping } }): ReactElement {
  const state = useTyping('lobby');
  if (who === 'alice') into.alice = state;
  return h('p', { 'data-testid': `typing-at-${who}` }, state.users.join(' '));
}

describe('usePresence', () => {
  it('shows a room’s members and everyone online, marked stale while the client is not ready', async () => {
    const server = await startGateway();
    const { client: alice, clock, wire } = testClient(server, 'alice');
    renderWith(alice, h(Fragment, null, h(Members, { room: 'lobby' }), h(Members)));
    expect(screen.getByTestId('members-lobby').textContent).toBe(' (stale)');
    await waitFor(() => expect(screen.getByTestId('members-lobby').textContent).toBe('alice:online'));
    const { client: bob } = testClient(server, 'bob', { rooms: ['lobby'] });
    await waitFor(() => expect(screen.getByTestId('members-lobby').textContent).toBe('alice:online bob:online'));
    await waitFor(() => expect(screen.getByTestId('members-all').textContent).toBe('alice:online bob:online'));

    // The socket dies: the members shown are the last known, and say so until the session is back.
    const reconnect = nextEvent(alice, 'reconnecting');
    wire.cut();
    const { delay_ms: delay } = await reconnect;
    expect(screen.getByTestId('members-lobby').textContent).toBe('alice:online bob:online (stale)');
    expect(screen.getByTestId('members-all').textContent).toBe('alice:online bob:online (stale)');
    await within(bob.setPresence('idle'), 'the presence update');
    act(() => clock.advance(delay));
    await waitFor(() => expect(screen.getByTestId('members-lobby').textContent).toBe('alice:online bob:idle'));
    expect(screen.getByTestId('members-all').textContent).toBe('alice:online bob:idle');
  });

  it('with a selector, re-renders only when the selection changes', async () => {
    const server = await startGateway();
    const { client: alice } = testClient(server, 'alice');
    const renders = { count: 0 };
    renderWith(
      alice,
      h(Fragment, null, h(Names, { renders }), h(Members, { room: 'lobby' }), h(Count, { room: 'lobby' })),
    );
    const { client: bob } = testClient(server, 'bob', { rooms: ['lobby'] });
    await waitFor(() => expect(screen.getByTestId('members-lobby').textContent).toBe('alice:online bob:online'));
    expect(screen.getByTestId('names').textContent).toBe('alice bob');
    expect(screen.getByTestId('count-lobby').textContent).toBe('2');

    // Bob's status changes: the full list shows it; the names (a fresh but equal array) do not render again.
    const before = renders.count;
    await within(bob.setPresence('idle', { activity: 'reading' }), 'the presence update');
    await waitFor(() => expect(screen.getByTestId('members-lobby').textContent).toBe('alice:online bob:idle'));
    expect(renders.count).toBe(before);

    bob.close();
    await waitFor(() => expect(screen.getByTestId('names').textContent).toBe('alice'));
    expect(renders.count).toBeGreaterThan(before);
    // A selection that never changes still re-renders for the count, which the diff carried.
    expect(screen.getByTestId('count-lobby').textContent).toBe('1');
  });
});

describe('useTyping', () => {
  it('shows who types in the room; the notifier sends at most one typing.start per 2 s, and stopTyping ends it', async () => {
    const server = await startGateway();
    const alice = testClient(server, 'alice');
    const bob = testClient(server, 'bob');
    const typing: { alice?: RoomTyping } = {};
    // Two users in one page, each under a provider of their own client.
    render(
      h(
        Fragment,
        null,
        h(GatewayProvider, { client: alice.client }, h(Composer, { who: 'alice', into: typing })),
        h(GatewayProvider, { client: bob.client }, h(Composer, { who: 'bob', into: typing })),
      ),
    );
    await waitFor(() => expect(server.gateway.room('lobby').online_users.toSorted()).toEqual(['alice', 'bob']));
    const notify = () => act(() => typing.alice?.notifyTyping());

    // t = 0: the first keystroke is sent; the second, at once, is not.
    notify();
    notify();
    await waitFor(() => expect(screen.getByTestId('typing-at-bob').textContent).toBe('alice'));
    // t = 1.999 s: still inside the window.
    alice.clock.advance(1_999);
    notify();
    expect(alice.wire.count('typing.start', 'lobby')).toBe(1);
    // t = 2 s: the window has passed, the indicator is renewed.
    alice.clock.advance(1);
    notify();
    expect(alice.wire.count('typing.start', 'lobby')).toBe(2);
    expect(screen.getByTestId('typing-at-alice').textContent).toBe('');

    act(() => typing.alice?.stopTyping());
    await waitFor(() => expect(screen.getByTestId('typing-at-bob').textContent).toBe(''));
    expect(alice.wire.count('typing.stop', 'lobby')).toBe(1);
  });
});
