import { screen, waitFor } from '@testing-library/react/pure';
import { createElement as h, type ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { type RoomStatus, useMessages, useRoom } from '../src/index';
import { barrier, renderWith, startGateway, testClient } from './helpers';

function describeStatus(status: RoomStatus): string {
  switch (status.status) {
    case 'refused':
      return `refused ${status.code}: ${status.message}`;
    case 'error':
      return `error ${status.error.code}`;
    default:
      return status.status;
  }
}

function Room({ id }: { id: string }): ReactElement {
  const status = useRoom(id);
  const { messages } = useMessages(id);
  return h('p', { 'data-testid': `room-${id}` }, `${describeStatus(status)} (${messages.length})`);
}

function Rooms({ ids }: { ids: readonly string[] }): ReactElement[] {
  return ids.map((id, index) => h(Room, { key: `${id}-${index}`, id }));
}

const room = (id: string, key?: string) => h(Room, { id, key });
const rooms = (...ids: string[]) => h(Rooms, { ids });

describe('useRoom', () => {
  it('subscribes once under StrictMode, whose double mount neither leaves nor joins again', async () => {
    const server = await startGateway();
    const { client, wire } = testClient(server, 'alice');
    renderWith(client, room('lobby'));
    expect(screen.getByTestId('room-lobby').textContent).toBe('subscribing (0)');

    await waitFor(() => expect(screen.getByTestId('room-lobby').textContent).toBe('subscribed (0)'));
    await barrier(client);
    expect(wire.count('subscribe', 'lobby')).toBe(1);
    expect(wire.count('unsubscribe')).toBe(0);
    expect(server.gateway.room('lobby').online_users).toEqual(['alice']);
  });

  it('two components on one room subscribe once; the room is left when the last of them unmounts', async () => {
    const server = await startGateway();
    const { client, wire } = testClient(server, 'alice');
    const { rerender } = renderWith(client, rooms('lobby', 'lobby'));
    await waitFor(() =>
      expect(screen.getAllByTestId('room-lobby').map((p) => p.textContent)).toEqual([
        'subscribed (0)',
        'subscribed (0)',
      ]),
    );

    // One user left: the room stays (a round trip lets the deferred release run and anything it sent arrive).
    rerender(rooms('lobby'));
    await barrier(client);
    expect(wire.count('subscribe', 'lobby')).toBe(1);
    expect(wire.count('unsubscribe', 'lobby')).toBe(0);

    // The last user left: unsubscribed, at the server too.
    rerender(rooms());
    await waitFor(() => expect(wire.count('unsubscribe', 'lobby')).toBe(1));
    await barrier(client);
    expect(server.gateway.room('lobby').online_users).toEqual([]);
    expect(wire.count('subscribe', 'lobby')).toBe(1);
  });

  it('a component that moves to another room leaves the first', async () => {
    const server = await startGateway();
    const { client, wire } = testClient(server, 'alice');
    const { rerender } = renderWith(client, room('first', 'one'));
    await waitFor(() => expect(screen.getByTestId('room-first').textContent).toBe('subscribed (0)'));
    rerender(room('second', 'one'));
    await waitFor(() => expect(screen.getByTestId('room-second').textContent).toBe('subscribed (0)'));
    await waitFor(() => expect(wire.count('unsubscribe', 'first')).toBe(1));
    expect(wire.count('subscribe', 'second')).toBe(1);
  });

  it('shows the refusal of a room the server does not grant, with its code and message', async () => {
    const server = await startGateway({
      authorize: ({ room_id }) => (room_id === 'vip' ? { allowed: false, reason: 'Members only.' } : true),
    });
    const { client } = testClient(server, 'alice');
    renderWith(client, rooms('vip', 'lobby'));
    await waitFor(() =>
      expect(screen.getByTestId('room-vip').textContent).toBe('refused forbidden: Members only. (0)'),
    );
    await waitFor(() => expect(screen.getByTestId('room-lobby').textContent).toBe('subscribed (0)'));
  });

  it('shows a room the server takes the connection out of as refused (unsubscribed)', async () => {
    const server = await startGateway();
    const { client } = testClient(server, 'alice');
    renderWith(client, room('lobby'));
    await waitFor(() => expect(screen.getByTestId('room-lobby').textContent).toBe('subscribed (0)'));
    server.gateway.unsubscribe({ userId: 'alice' }, 'lobby', 'removed by a moderator');
    await waitFor(() =>
      expect(screen.getByTestId('room-lobby').textContent).toBe(
        'refused unsubscribed: The server took this connection out of the room. (0)',
      ),
    );
  });

  it('shows the error of a subscription the closed client could not make, and subscribes when it is ready again', async () => {
    const server = await startGateway();
    const { client, wire } = testClient(server, 'alice', { autoConnect: false });
    client.close();
    renderWith(client, room('lobby'));
    await waitFor(() => expect(screen.getByTestId('room-lobby').textContent).toBe('error closed (0)'));
    client.connect();
    await waitFor(() => expect(screen.getByTestId('room-lobby').textContent).toBe('subscribed (0)'));
    expect(wire.count('subscribe', 'lobby')).toBe(1);
  });
});
