import type { ChatMessage } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import type { LoadHistoryRequest } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { request } from './helpers/requests';
import { startTestServer } from './helpers/server';
import type { Frame, TestClient } from './helpers/ws-client';

const quiet = { heartbeatIntervalMs: 3_600_000 };
const lots = { general: { burst: 10_000, perSecond: 10_000 } };

/** Sends each message a millisecond after the last, so ids sort as they were sent (ids of one ms do not). */
async function sayApart(clock: ManualClock, sender: TestClient, room: string, count: number, from = 1) {
  const sent: string[] = [];
  for (let i = from; i < from + count; i++) {
    clock.advance(1);
    const ack = await request(sender, 'chat.send', { room_id: room, client_msg_id: `c${room}${i}`, content: `m${i}` });
    sent.push(ack.payload.message_id);
  }
  return sent;
}

const contents = (reply: Frame): string[] => reply.payload.messages.map((m: ChatMessage) => m.content);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

/** The pos of the chat.message with this content, as a client saw it. */
function posOf(client: TestClient, content: string): { epoch: string; offset: number } {
  const frame = client.frames.find((f) => f.type === 'chat.message' && f.payload.content === content);
  if (frame?.pos === undefined) throw new Error(`no position seen for ${content}`);
  return { epoch: frame.pos.epoch, offset: frame.pos.offset };
}

/** An application database fed by persistMessage and read by loadHistory, as an app would write them. */
function database() {
  const rows: ChatMessage[] = [];
  const asked: LoadHistoryRequest[] = [];
  return {
    rows,
    asked,
    persistMessage: (message: ChatMessage) => {
      rows.push(message);
    },
    loadHistory: (query: LoadHistoryRequest): ChatMessage[] => {
      asked.push(query);
      const inRange = rows
        .filter((m) => m.room_id === query.room_id)
        .filter((m) => query.after === undefined || m.message_id > query.after)
        .filter((m) => query.before === undefined || m.message_id < query.before)
        .sort((a, b) => (a.message_id < b.message_id ? -1 : 1));
      return query.after === undefined ? inRange.slice(-query.limit) : inRange.slice(0, query.limit);
    },
  };
}

describe('chat.history pages', () => {
  it('pages back and forth through a room with more messages than a page', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, historySize: 100, rateLimits: lots });
    const ann = await t.joinRooms('ann', ['team']);
    const ids = await sayApart(clock, ann, 'team', 25);

    const latest = await request(ann, 'chat.history', { room_id: 'team', limit: 10 });
    expect(latest.type).toBe('ack');
    expect(contents(latest)).toEqual(range(16, 25));
    expect(latest.payload.more).toBe(true);
    const older = await request(ann, 'chat.history', {
      room_id: 'team',
      limit: 10,
      before: { message_id: latest.payload.messages[0].message_id },
    });
    expect([contents(older), older.payload.more]).toEqual([range(6, 15), true]);
    const oldest = await request(ann, 'chat.history', {
      room_id: 'team',
      limit: 10,
      before: { message_id: older.payload.messages[0].message_id },
    });
    expect([contents(oldest), oldest.payload.more]).toEqual([range(1, 5), false]);

    // And forwards again from the first message.
    const forwards = await request(ann, 'chat.history', { room_id: 'team', limit: 10, after: { message_id: ids[0] } });
    expect([contents(forwards), forwards.payload.more]).toEqual([range(2, 11), true]);
    const last = await request(ann, 'chat.history', { room_id: 'team', limit: 20, after: { message_id: ids[10] } });
    expect([contents(last), last.payload.more]).toEqual([range(12, 25), false]);
  });

  it('answers the messages strictly between two cursors, the oldest first', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, rateLimits: lots });
    const ann = await t.joinRooms('ann', ['team']);
    const ids = await sayApart(clock, ann, 'team', 12);
    const between = { room_id: 'team', after: { message_id: ids[2] }, before: { message_id: ids[8] } };
    const first = await request(ann, 'chat.history', { ...between, limit: 3 });
    expect([contents(first), first.payload.more]).toEqual([['m4', 'm5', 'm6'], true]);
    const all = await request(ann, 'chat.history', between);
    expect([contents(all), all.payload.more]).toEqual([range(4, 8), false]);
    const none = await request(ann, 'chat.history', { ...between, after: { message_id: ids[8] } });
    expect([contents(none), none.payload.more]).toEqual([[], false]);
  });

  it('caps a page at 100 messages and defaults to the room’s history size', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, historySize: 120, rateLimits: lots });
    const ann = await t.joinRooms('ann', ['team']);
    await sayApart(clock, ann, 'team', 110);
    const asked = await request(ann, 'chat.history', { room_id: 'team', limit: 500 });
    expect([contents(asked), asked.payload.more]).toEqual([range(11, 110), true]);
    const small = await startTestServer({ ...quiet, clock, historySize: 4 });
    const bob = await small.joinRooms('bob', ['team']);
    await sayApart(clock, bob, 'team', 6);
    const plain = await request(bob, 'chat.history', { room_id: 'team' });
    expect([contents(plain), plain.payload.more]).toEqual([range(3, 6), false]);
  });

  it('refuses a client not subscribed to the room', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const ann = await t.joinRooms('ann', ['team']);
    await sayApart(clock, ann, 'team', 2);
    const eve = await t.joinRooms('eve', ['lobby']);
    for (const payload of [
      { room_id: 'team' },
      { room_id: 'team', before: { epoch: 'e', offset: 1 } },
      { room_id: 'team', after: { message_id: 'x' } },
    ]) {
      const reply = await request(eve, 'chat.history', payload);
      expect(reply).toMatchObject({ type: 'error', payload: { code: 'not_subscribed' } });
    }
  });
});

describe('chat.history by room stream position', () => {
  it('pages from a position a client saw, and fills a recovery’s hole', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, rateLimits: lots, roomLogDefault: { maxEntries: 6 } });
    const bob = await t.joinRooms('bob', ['team']);
    const ann = await t.joinRooms('ann', ['team']);
    await sayApart(clock, bob, 'team', 2);
    await ann.barrier();
    const since = { room_id: 'team', ...posOf(ann, 'm2') };
    await request(ann, 'unsubscribe', { room_ids: ['team'] });
    const ids = await sayApart(clock, bob, 'team', 10, 3);
    // Offsets 3…12 are m3…m12, 13 the edit: the log keeps 8…13.
    await request(bob, 'chat.edit', { room_id: 'team', message_id: ids[6], content: 'm9!' });
    await bob.barrier();

    const back = await request(ann, 'subscribe', { room_ids: ['team'], since: [since] });
    const [answer] = back.payload.recovery;
    expect(answer).toMatchObject({ reason: 'too_old', missed_from: 3, missed_to: 7 });
    await ann.barrier();

    // The hole ends where the replay starts: before `missed_to + 1`.
    const hole = await request(ann, 'chat.history', {
      room_id: 'team',
      limit: 5,
      before: { epoch: since.epoch, offset: answer.missed_to + 1 },
    });
    expect([contents(hole), hole.payload.more]).toEqual([range(3, 7), true]);
    // Its start is older than the log keeps: the server says so, and message ids go on from there.
    const gone = await request(ann, 'chat.history', { room_id: 'team', after: since });
    expect(gone).toMatchObject({ type: 'error', payload: { code: 'position_unavailable' } });

    // Positions the log still reaches: after one (the message right after it first, as edited since) and between two.
    const m8 = posOf(bob, 'm8');
    const after = await request(ann, 'chat.history', { room_id: 'team', after: m8 });
    expect([contents(after), after.payload.more]).toEqual([['m9!', 'm10', 'm11', 'm12'], false]);
    const between = await request(ann, 'chat.history', { room_id: 'team', after: m8, before: posOf(bob, 'm11') });
    expect(contents(between)).toEqual(['m9!', 'm10']);
    const tail = await request(ann, 'chat.history', { room_id: 'team', after: posOf(bob, 'm12') });
    expect([contents(tail), tail.payload.more]).toEqual([[], false]);
  });

  it('refuses a position of another epoch, ahead of the room, or beyond what the log reaches', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, rateLimits: lots, maxRecover: 3 });
    const bob = await t.joinRooms('bob', ['team']);
    await sayApart(clock, bob, 'team', 6);
    await bob.barrier();
    const { epoch } = posOf(bob, 'm1');
    for (const cursor of [
      { after: { epoch: 'another', offset: 1 } },
      { before: { epoch: 'another', offset: 1 } },
      { after: { epoch, offset: 7 } },
      { before: { epoch, offset: 9 } },
      // More dispatches back than max_recover: placing it would read that many.
      { after: { epoch, offset: 1 } },
      { after: { epoch, offset: 1 }, before: { epoch: 'another', offset: 5 } },
    ]) {
      const reply = await request(bob, 'chat.history', { room_id: 'team', ...cursor });
      expect(reply.type, JSON.stringify(cursor)).toBe('error');
      expect(reply.payload.code).toBe('position_unavailable');
      expect(reply.payload.message).toContain('message_id');
    }
    const near = await request(bob, 'chat.history', { room_id: 'team', after: { epoch, offset: 3 } });
    expect(contents(near)).toEqual(['m4', 'm5', 'm6']);
  });
});

describe('chat.history with loadHistory', () => {
  it('fills from the application beyond what the gateway keeps, and asks nothing when it keeps enough', async () => {
    const clock = new ManualClock();
    const db = database();
    const t = await startTestServer({ ...quiet, clock, rateLimits: lots, historySize: 5, ...db });
    const ann = await t.joinRooms('ann', ['team']);
    const ids = await sayApart(clock, ann, 'team', 12);

    const kept = await request(ann, 'chat.history', { room_id: 'team', limit: 3 });
    expect([contents(kept), kept.payload.more]).toEqual([range(10, 12), true]);
    const within = await request(ann, 'chat.history', { room_id: 'team', after: { message_id: ids[8] } });
    expect(contents(within)).toEqual(range(10, 12));
    expect(db.asked).toEqual([]);

    // Back past the oldest kept (m8): the store's m8, m9 and the application's m5…m7.
    const back = await request(ann, 'chat.history', { room_id: 'team', limit: 5, before: { message_id: ids[9] } });
    expect([contents(back), back.payload.more]).toEqual([range(5, 9), true]);
    expect(db.asked).toEqual([{ room_id: 'team', before: ids[7], limit: 3 }]);
    const first = await request(ann, 'chat.history', { room_id: 'team', limit: 10, before: { message_id: ids[4] } });
    expect([contents(first), first.payload.more]).toEqual([range(1, 4), false]);

    // After a message older than the oldest kept: the application answers what lay between.
    const after = await request(ann, 'chat.history', { room_id: 'team', limit: 6, after: { message_id: ids[1] } });
    expect([contents(after), after.payload.more]).toEqual([range(3, 8), true]);
    expect(db.asked.at(-1)).toEqual({ room_id: 'team', after: ids[1], before: ids[7], limit: 6 });
    const rest = await request(ann, 'chat.history', { room_id: 'team', limit: 50, after: { message_id: ids[1] } });
    expect([contents(rest), rest.payload.more]).toEqual([range(3, 12), false]);
  });

  it('answers a failing or garbled loadHistory with handler_failed, and carries on', async () => {
    const clock = new ManualClock();
    let answer: () => unknown = () => {
      throw new Error('database down');
    };
    const t = await startTestServer({
      ...quiet,
      clock,
      historySize: 2,
      loadHistory: async () => answer() as ChatMessage[],
    });
    const ann = await t.joinRooms('ann', ['team']);
    const ids = await sayApart(clock, ann, 'team', 3);
    // The store keeps m2 and m3: before m3 it has m2, and asks the application for one more.
    const ask = () => request(ann, 'chat.history', { room_id: 'team', before: { message_id: ids[2] } });
    expect(await ask()).toMatchObject({ type: 'error', payload: { code: 'handler_failed' } });
    for (const garbage of [
      () => 'not a list',
      () => [{ message_id: 'x' }],
      () => [{ message_id: 'x', room_id: 'elsewhere', sender_id: 'u', kind: 'text', content: 'hi', created_at: 'now' }],
    ]) {
      answer = garbage;
      expect(await ask()).toMatchObject({ type: 'error', payload: { code: 'handler_failed' } });
    }
    answer = () => [];
    const fine = await ask();
    expect([contents(fine), fine.payload.more]).toEqual([['m2'], false]);
    const ack = await request(ann, 'chat.send', { room_id: 'team', client_msg_id: 'after', content: 'still here' });
    expect(ack.type).toBe('ack');
  });
});

describe('history retention by room pattern', () => {
  it('keeps each room to its pattern’s length, and others to historySize', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      rateLimits: lots,
      historySize: 6,
      historyRetention: [{ rooms: 'live:*', maxEntries: 2 }],
    });
    const ann = await t.joinRooms('ann', ['live:1', 'team']);
    await sayApart(clock, ann, 'live:1', 5);
    await sayApart(clock, ann, 'team', 8);
    expect(contents(await request(ann, 'chat.history', { room_id: 'live:1' }))).toEqual(['m4', 'm5']);
    expect(contents(await request(ann, 'chat.history', { room_id: 'team' }))).toEqual(range(3, 8));
    const subscribed = await request(ann, 'subscribe', { room_ids: ['live:1'] });
    expect(subscribed.payload.rooms[0].recent_messages.map((m: ChatMessage) => m.content)).toEqual(['m4', 'm5']);
  });

  it('lets messages go past their room’s age, on the gateway clock', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      historyRetention: [{ rooms: 'live:*', maxAgeMs: 60_000 }],
    });
    const ann = await t.joinRooms('ann', ['live:1', 'team']);
    await sayApart(clock, ann, 'live:1', 2);
    await sayApart(clock, ann, 'team', 2);
    clock.advance(45_000);
    await sayApart(clock, ann, 'live:1', 1, 3);
    clock.advance(20_000); // m1 and m2 are 65 s old, m3 20 s
    expect(contents(await request(ann, 'chat.history', { room_id: 'live:1' }))).toEqual(['m3']);
    expect(contents(await request(ann, 'chat.history', { room_id: 'team' }))).toEqual(['m1', 'm2']);
    clock.advance(60_000);
    expect(contents(await request(ann, 'chat.history', { room_id: 'live:1' }))).toEqual([]);
  });

  it('refuses a rule it cannot keep at start, naming the option', async () => {
    await expect(startTestServer({ historyRetention: [{ rooms: 'x', maxEntries: 0 }] })).rejects.toThrow(
      /historyRetention/,
    );
    await expect(startTestServer({ historySize: 0 })).rejects.toThrow(/historySize/);
  });
});
