import { GatewayClientError } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import { ManualClock, nextEvent, readyClient, record, startE2EServer, until } from './helpers';

// The real client pages a room's history: the hole a recovery names, filled with a position cursor, then
// further back by message id until the server says there is no more.

describe('e2e: history pages', () => {
  it('fills a recovery’s hole before the replay, then pages back by message id', async () => {
    const clock = new ManualClock();
    const server = await startE2EServer({ clock, heartbeatIntervalMs: 3_600_000, roomLogDefault: { maxEntries: 3 } });
    const alice = await readyClient(server, 'alice', { rooms: ['team'] });
    const bob = await readyClient(server, 'bob', { rooms: ['team'] });
    const seen = record(alice, 'chat.message');
    const say = async (...contents: string[]) => {
      for (const content of contents) {
        clock.advance(1);
        await bob.sendMessage('team', content);
      }
    };
    await say('m1', 'm2');
    await until(alice, 'chat.message', () => seen.length === 2);
    await alice.unsubscribe('team');
    await say('m3', 'm4', 'm5', 'm6', 'm7', 'm8');

    const recovery = nextEvent(alice, 'recovery');
    const entered = await alice.subscribe('team');
    const answer = await recovery;
    expect(answer).toMatchObject({ reason: 'too_old', missed_from: 3, missed_to: 5 });
    const epoch = entered.rooms[0]?.position?.epoch ?? '';
    const hole = await alice.history('team', { before: { epoch, offset: (answer.missed_to ?? 0) + 1 }, limit: 2 });
    expect(hole.messages.map((m) => m.content)).toEqual(['m4', 'm5']);
    expect(hole.more).toBe(true);
    const first = hole.messages[0]?.message_id ?? '';
    const older = await alice.history('team', { before: { message_id: first }, limit: 10 });
    expect([older.messages.map((m) => m.content), older.more]).toEqual([['m1', 'm2', 'm3'], false]);

    // A bare number is still the limit; a position the log no longer reaches is refused with a code.
    expect((await alice.history('team', 2)).messages.map((m) => m.content)).toEqual(['m7', 'm8']);
    const refused = await alice.history('team', { after: { epoch, offset: 1 } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatewayClientError);
    expect((refused as GatewayClientError).code).toBe('position_unavailable');
  });
});
