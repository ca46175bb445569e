import type { GatewayClient } from '@gateway/client';
import { act, waitFor } from '@testing-library/react/pure';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';
import { Chat, chatLog, expectNoDuplicates, say, send, shown } from './chat';
import { nextEvent, renderWith, startGateway, testClient, within } from './helpers';

// Timeline of each test: what the server and the other user do is awaited; what alice's client does on its
// manual clock (a reconnect after exactly 100 ms) happens when the test advances that clock.

/** Bob, a plain client already in `room`. */
async function bobIn(server: { wsUrl: string }, room: string): Promise<GatewayClient> {
  const { client } = testClient(server, 'bob', { rooms: [room] });
  await within(client.ready(), 'bob ready');
  return client;
}

/** The delay of the reconnect the client schedules next. */
const nextReconnect = (client: GatewayClient) => nextEvent(client, 'reconnecting').then(({ delay_ms }) => delay_ms);

describe('useMessages', () => {
  it('starts from the room’s history, then follows new messages, edits and deletions', async () => {
    const server = await startGateway();
    const bob = await bobIn(server, 'lobby');
    const first = await say(bob, 'lobby', 'one');
    const second = await say(bob, 'lobby', 'two');
    const { client: alice } = testClient(server, 'alice');
    const log = chatLog();
    renderWith(alice, h(Chat, { room: 'lobby', log }));
    await waitFor(() => expect(shown('lobby')).toEqual(['one [sent]', 'two [sent]']));

    await say(bob, 'lobby', 'three');
    await waitFor(() => expect(shown('lobby')).toEqual(['one [sent]', 'two [sent]', 'three [sent]']));
    await within(bob.editMessage('lobby', first, 'one, edited'), 'the edit');
    await waitFor(() => expect(shown('lobby')).toEqual(['one, edited [sent]', 'two [sent]', 'three [sent]']));
    await within(bob.deleteMessage('lobby', second), 'the deletion');
    await waitFor(() => expect(shown('lobby')).toEqual(['one, edited [sent]', 'three [sent]']));
    expectNoDuplicates(log);
  });

  it('shows a send at once, then the server’s copy in its place, once', async () => {
    const server = await startGateway();
    const bob = await bobIn(server, 'lobby');
    const atBob: string[] = [];
    bob.on('chat.message', (message) => atBob.push(message.content));
    const { client: alice } = testClient(server, 'alice');
    const log = chatLog();
    renderWith(alice, h(Chat, { room: 'lobby', log }));
    await waitFor(() => expect(log.actions?.loaded).toBe(true));

    const id = send(log, 'hello');
    expect(shown('lobby')).toEqual(['hello [pending]']);
    await waitFor(() => expect(shown('lobby')).toEqual(['hello [sent]']));
    // The row kept its key from the optimistic copy to the server's, so React kept the element.
    expect(log.renders.at(-1)?.map((item) => item.key)).toEqual([id]);
    expect(log.renders.at(-1)?.[0]).toMatchObject({ status: 'sent', client_msg_id: id, sender_id: 'alice' });
    await waitFor(() => expect(atBob).toEqual(['hello']));
    expectNoDuplicates(log);
  });

  it('settles each send once across a resume: one in flight when the socket died, one made while away', async () => {
    const server = await startGateway();
    const bob = await bobIn(server, 'lobby');
    const atBob: string[] = [];
    bob.on('chat.message', (message) => atBob.push(message.content));
    const { client: alice, clock, wire } = testClient(server, 'alice');
    const events: string[] = [];
    for (const event of ['resumed', 'reset'] as const) alice.on(event, () => events.push(event));
    const log = chatLog();
    renderWith(alice, h(Chat, { room: 'lobby', log }));
    await waitFor(() => expect(log.actions?.loaded).toBe(true));

    // The send is written, then the socket dies: the server may have taken it (its copy then waits in the
    // session's replay buffer) or not. Either way the client sends it again after the resume, same id.
    const reconnect = nextReconnect(alice);
    send(log, 'in flight');
    wire.cut();
    const delay = await reconnect;
    await waitFor(() => expect(server.gateway.stats().connections).toBe(1));
    send(log, 'while away');
    expect(shown('lobby')).toEqual(['in flight [pending]', 'while away [pending]']);

    act(() => clock.advance(delay));
    await waitFor(() => expect(shown('lobby')).toEqual(['in flight [sent]', 'while away [sent]']));
    expect(events).toEqual(['resumed']);
    await waitFor(() => expect(atBob).toEqual(['in flight', 'while away']));
    expect(wire.count('chat.send')).toBe(3);
    expectNoDuplicates(log);
  });

  it('marks a send the server failed to store, with its error, and sends it again on retry', async () => {
    let failures = 1;
    const server = await startGateway({
      persistMessage: async () => {
        if (failures-- > 0) throw new Error('the database is down');
      },
    });
    const bob = await bobIn(server, 'lobby');
    const atBob: string[] = [];
    bob.on('chat.message', (message) => atBob.push(message.content));
    const { client: alice } = testClient(server, 'alice');
    const log = chatLog();
    renderWith(alice, h(Chat, { room: 'lobby', log }));
    await waitFor(() => expect(log.actions?.loaded).toBe(true));

    const id = send(log, 'hello');
    await waitFor(() => expect(shown('lobby')).toEqual(['hello [failed handler_failed]']));
    act(() => log.actions?.retry(id));
    expect(shown('lobby')).toEqual(['hello [pending]']);
    await waitFor(() => expect(shown('lobby')).toEqual(['hello [sent]']));
    await waitFor(() => expect(atBob).toEqual(['hello']));
    expectNoDuplicates(log);
  });

  it('after a reset, brings the list up to date from the room’s position (what changed while away) and keeps pending sends', async () => {
    const server = await startGateway();
    const bob = await bobIn(server, 'lobby');
    const first = await say(bob, 'lobby', 'before 1');
    await say(bob, 'lobby', 'before 2');
    const { client: alice, clock } = testClient(server, 'alice');
    const resets: string[] = [];
    alice.on('reset', ({ reason }) => resets.push(reason));
    const log = chatLog();
    renderWith(alice, h(Chat, { room: 'lobby', log }));
    await waitFor(() => expect(shown('lobby')).toEqual(['before 1 [sent]', 'before 2 [sent]']));

    // The session is ended (close 4103): alice must identify afresh, and what happened meanwhile is not replayed.
    const reconnect = nextReconnect(alice);
    server.gateway.disconnect({ userId: 'alice' });
    const delay = await reconnect;
    await within(bob.deleteMessage('lobby', first), 'the deletion');
    await say(bob, 'lobby', 'away 1');
    await say(bob, 'lobby', 'away 2');
    send(log, 'mine, queued');
    expect(shown('lobby')).toEqual(['before 1 [sent]', 'before 2 [sent]', 'mine, queued [pending]']);

    act(() => clock.advance(delay));
    await waitFor(() =>
      expect(shown('lobby')).toEqual(['before 2 [sent]', 'away 1 [sent]', 'away 2 [sent]', 'mine, queued [sent]']),
    );
    expect(resets).toHaveLength(1);
    expectNoDuplicates(log);
  });

  it('shows the room’s history again when a room is left and entered anew, not only what was said between', async () => {
    const server = await startGateway();
    const bob = await bobIn(server, 'lobby');
    await say(bob, 'lobby', 'one');
    const { client: alice } = testClient(server, 'alice');
    const first = renderWith(alice, h(Chat, { room: 'lobby', log: chatLog() }));
    await waitFor(() => expect(shown('lobby')).toEqual(['one [sent]']));
    first.unmount();
    await say(bob, 'lobby', 'two');
    renderWith(alice, h(Chat, { room: 'lobby', log: chatLog() }));
    await waitFor(() => expect(shown('lobby')).toEqual(['one [sent]', 'two [sent]']));
  });
});
