import type { ClientEvents } from '@gateway/client';
import type { ServerOptions } from '@gateway/server';
import { act, waitFor } from '@testing-library/react/pure';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';
import { Chat, type ChatLog, chatLog, expectNoDuplicates, say, shown } from './chat';
import { ManualClock, nextEvent, renderWith, startGateway, testClient, within } from './helpers';

// Alice is offline longer than her session lasts: the socket is cut, the server's clock passes the resume
// window (the session and its replay buffer are gone), then her client's clock lets it reconnect. Her client
// resumes, is told invalid_session, and identifies with the room's position (`since`): the room comes back from
// its log, whole or with a hole, depending on what the server still keeps. Bob talks meanwhile.

const WINDOW = 10_000;

type Recovery = ClientEvents['recovery'];

/** A gateway on a manual clock (it decides when a session expires) with `options`, and Bob in the lobby. */
async function gateway(options: ServerOptions = {}) {
  const serverClock = new ManualClock();
  const server = await startGateway({
    clock: serverClock,
    resumeWindowMs: WINDOW,
    // No heartbeat falls due while the test moves the server's clock.
    heartbeatIntervalMs: 3_600_000,
    ...options,
  });
  const { client: bob } = testClient(server, 'bob', { rooms: ['lobby'] });
  await within(bob.ready(), 'bob ready');
  return { server, serverClock, bob };
}

/** Alice's chat of the lobby, once it shows `before`, with every recovery her client is told of. */
async function aliceIn(server: { wsUrl: string }, before: string[]) {
  const alice = testClient(server, 'alice');
  const recoveries: Recovery[] = [];
  alice.client.on('recovery', (answer) => recoveries.push(answer));
  const log = chatLog();
  renderWith(alice.client, h(Chat, { room: 'lobby', log }));
  await waitFor(() => expect(shown('lobby')).toEqual(before.map((content) => `${content} [sent]`)));
  return { ...alice, recoveries, log };
}

/** Alice away past the window while Bob says `away`; back once her client has recovered the room. */
async function awayTooLong(
  setup: Awaited<ReturnType<typeof gateway>>,
  alice: Awaited<ReturnType<typeof aliceIn>>,
  away: string[],
): Promise<void> {
  const { server, serverClock, bob } = setup;
  const reconnect = nextEvent(alice.client, 'reconnecting');
  alice.wire.cut();
  const { delay_ms } = await reconnect;
  await waitFor(() => expect(server.gateway.stats().sessions_detached).toBe(1));
  for (const content of away) await say(bob, 'lobby', content);
  serverClock.advance(WINDOW);
  await waitFor(() => expect(server.gateway.stats().sessions_detached).toBe(0));
  const back = nextEvent(alice.client, 'ready');
  act(() => alice.clock.advance(delay_ms));
  await back;
}

/** Every render showed no hole. */
/**
 * Alice saw 'before 1' and 'before 2' (offsets 1–2), then was away for five more while the log kept only the
 * last two: 3–5 are gone from it, 6–7 were replayed, and her recovery says so.
 */
async function awayPastTheLog(options: ServerOptions) {
  const setup = await gateway(options);
  await say(setup.bob, 'lobby', 'before 1');
  await say(setup.bob, 'lobby', 'before 2');
  const alice = await aliceIn(setup.server, ['before 1', 'before 2']);
  await awayTooLong(setup, alice, ['away 1', 'away 2', 'away 3', 'away 4', 'away 5']);
  expect(alice.recoveries).toEqual([
    { room_id: 'lobby', recovered: false, replayed: 2, reason: 'too_old', missed_from: 3, missed_to: 5 },
  ]);
  return { setup, alice };
}

const neverAHole = (log: ChatLog) => expect(log.holes.filter((hole) => hole !== undefined)).toEqual([]);

const sent = (...contents: string[]) => contents.map((content) => `${content} [sent]`);

describe('useMessages: a room recovered after the session was gone', () => {
  it('recovered whole from the room’s log: the list carries on, and no render shows a hole', async () => {
    const setup = await gateway();
    await say(setup.bob, 'lobby', 'before 1');
    await say(setup.bob, 'lobby', 'before 2');
    const alice = await aliceIn(setup.server, ['before 1', 'before 2']);

    await awayTooLong(setup, alice, ['away 1', 'away 2', 'away 3']);
    await waitFor(() => expect(shown('lobby')).toEqual(sent('before 1', 'before 2', 'away 1', 'away 2', 'away 3')));
    expect(alice.recoveries).toEqual([{ room_id: 'lobby', recovered: true, replayed: 3 }]);
    neverAHole(alice.log);
    expect(alice.log.actions?.hole).toBeUndefined();
    expectNoDuplicates(alice.log);
  });

  it('shows the hole where the server no longer keeps what was missed, keeps it stable, and drops it on dismissHole()', async () => {
    // The log keeps the last 2 dispatches and the history the last 2 messages: neither reaches back to Alice's.
    const { setup, alice } = await awayPastTheLog({ roomLogDefault: { maxEntries: 2 }, historySize: 2 });
    // The refetch the reset asked for (the last 2 messages) does not reach back to 'before 2': the hole stays,
    // before the first row.
    await waitFor(() => expect(shown('lobby')).toEqual(['[missing too_old 3–5]', ...sent('away 4', 'away 5')]));
    const hole = alice.log.actions?.hole;
    expect(hole).toEqual({ reason: 'too_old', missed_from: 3, missed_to: 5, after: undefined });

    // A new message re-renders the list, not the hole: the same object.
    await say(setup.bob, 'lobby', 'live');
    await waitFor(() => expect(shown('lobby')).toEqual(['[missing too_old 3–5]', ...sent('away 4', 'away 5', 'live')]));
    expect(alice.log.actions?.hole).toBe(hole);

    act(() => alice.log.actions?.dismissHole());
    expect(shown('lobby')).toEqual(sent('away 4', 'away 5', 'live'));
    expect(alice.log.actions?.hole).toBeUndefined();
    expectNoDuplicates(alice.log);
  });

  it('a hole the reset’s refetch fills is never shown', async () => {
    // The log keeps 2 dispatches, the history (50 messages) everything: the refetch closes the hole.
    const { alice } = await awayPastTheLog({ roomLogDefault: { maxEntries: 2 } });
    await waitFor(() =>
      expect(shown('lobby')).toEqual(sent('before 1', 'before 2', 'away 1', 'away 2', 'away 3', 'away 4', 'away 5')),
    );
    neverAHole(alice.log);
    expectNoDuplicates(alice.log);
  });
});
