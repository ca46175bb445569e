import type { ChatMessage } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

describe('server-initiated chat streams', () => {
  it('dispatches start, indexed chunks and end with the assembled message; stream_fetch gives a snapshot', async () => {
    const persisted: ChatMessage[] = [];
    const t = await startTestServer({ persistMessage: (message) => void persisted.push(message) });
    const reader = await t.joinRooms('reader', ['ai']);
    const stream = t.server.gateway.startStream({
      room_id: 'ai',
      sender_id: 'bot',
      kind: 'text',
      metadata: { model: 'x' },
    });
    const start = await reader.next('chat.stream_start');
    expect(start.payload).toEqual({
      stream_id: stream.stream_id,
      room_id: 'ai',
      sender_id: 'bot',
      kind: 'text',
      metadata: { model: 'x' },
      started_at: expect.any(String),
    });
    expect(stream.write('Hel')).toBe(0);
    expect(stream.write('lo, ')).toBe(1);
    expect(stream.write('world')).toBe(2);
    for (const index of [0, 1, 2]) expect((await reader.next('chat.stream_chunk')).payload.index).toBe(index);

    reader.send({ type: 'chat.stream_fetch', ref: 'f', payload: { stream_id: stream.stream_id, from_index: 1 } });
    expect((await reader.reply('f')).payload).toEqual({
      stream_id: stream.stream_id,
      room_id: 'ai',
      chunks: [
        { index: 1, content: 'lo, ' },
        { index: 2, content: 'world' },
      ],
      ended: false,
    });

    const message = await stream.end();
    const end = await reader.next('chat.stream_end');
    expect(end.payload).toEqual({ stream_id: stream.stream_id, room_id: 'ai', chunks: 3, message });
    expect(message).toMatchObject({ content: 'Hello, world', sender_id: 'bot', room_id: 'ai' });
    expect(persisted).toEqual([message]);
    expect(() => stream.write('late')).toThrow(/ended/);
    reader.send({ type: 'chat.history', ref: 'h', payload: { room_id: 'ai' } });
    expect((await reader.reply('h')).payload.messages).toEqual([message]);
    reader.send({ type: 'chat.stream_fetch', ref: 'f2', payload: { stream_id: stream.stream_id } });
    expect((await reader.reply('f2')).payload).toMatchObject({
      ended: true,
      chunks: [{ index: 0 }, { index: 1 }, { index: 2 }],
    });
    reader.send({ type: 'chat.stream_fetch', ref: 'f3', payload: { stream_id: 'unknown' } });
    expect((await reader.reply('f3')).payload.code).toBe('not_found');
  });
});

describe('recordings', () => {
  it('starts, indexes events from 0 and stops with the event count', async () => {
    const t = await startTestServer();
    const owner = await t.joinRooms('owner', ['demo']);
    const viewer = await t.joinRooms('viewer', ['demo']);
    owner.send({ type: 'recording.start', ref: 's', payload: { room_id: 'demo', metadata: { app: 'x' } } });
    const { recording_id } = (await owner.reply('s')).payload;
    expect(recording_id).toEqual(expect.any(String));
    expect((await viewer.next('recording.start')).payload).toMatchObject({
      recording_id,
      user_id: 'owner',
      room_id: 'demo',
      metadata: { app: 'x' },
    });

    owner.send({
      type: 'recording.event',
      ref: 'e0',
      payload: { recording_id, event: 'mouse_click', data: { x: 100, y: 200 } },
    });
    expect((await owner.reply('e0')).payload).toEqual({ recording_id, index: 0 });
    owner.send({ type: 'recording.event', payload: { recording_id, event: 'key', data: { key: 'a' } } });
    const events = [await viewer.next('recording.event'), await viewer.next('recording.event')];
    expect(events.map((e) => e.payload.index)).toEqual([0, 1]);
    expect(events[0]?.payload).toMatchObject({ event: 'mouse_click', data: { x: 100, y: 200 } });

    // Another session's recording does not exist for this one: ids are each session's own.
    viewer.send({ type: 'recording.event', ref: 'v', payload: { recording_id, event: 'hijack' } });
    expect((await viewer.reply('v')).payload.code).toBe('not_found');
    viewer.send({ type: 'recording.stop', ref: 'vs', payload: { recording_id } });
    expect((await viewer.reply('vs')).payload.code).toBe('not_found');

    owner.send({ type: 'recording.stop', ref: 'stop', payload: { recording_id } });
    expect((await owner.reply('stop')).payload).toEqual({ recording_id, events: 2 });
    expect((await viewer.next('recording.stop')).payload).toMatchObject({ recording_id, events: 2 });
    owner.send({ type: 'recording.event', ref: 'late', payload: { recording_id, event: 'x' } });
    expect((await owner.reply('late')).payload.code).toBe('not_found');
  });
});

describe('recordings as a hostile user would use them', () => {
  it('cannot squat an id: two users run recordings of the same id side by side', async () => {
    const t = await startTestServer();
    const squatter = await t.joinRooms('squatter', ['demo']);
    const owner = await t.joinRooms('owner', ['demo']);
    squatter.send({ type: 'recording.start', ref: 's', payload: { room_id: 'demo', recording_id: 'rec-1' } });
    expect((await squatter.reply('s')).type).toBe('ack');
    owner.send({ type: 'recording.start', ref: 'o', payload: { room_id: 'demo', recording_id: 'rec-1' } });
    expect((await owner.reply('o')).payload).toEqual({ recording_id: 'rec-1' });
    owner.send({ type: 'recording.stop', ref: 'os', payload: { recording_id: 'rec-1' } });
    expect((await owner.reply('os')).payload).toEqual({ recording_id: 'rec-1', events: 0 });
  });

  it('runs at most maxRecordingsPerSession at once (limit_reached), and a stop frees a place', async () => {
    const t = await startTestServer({ maxRecordingsPerSession: 2 });
    const owner = await t.joinRooms('owner', ['demo']);
    for (const id of ['a', 'b', 'c']) {
      owner.send({ type: 'recording.start', ref: id, payload: { room_id: 'demo', recording_id: id } });
    }
    expect((await owner.reply('b')).type).toBe('ack');
    expect((await owner.reply('c')).payload.code).toBe('limit_reached');
    owner.send({ type: 'recording.stop', ref: 'stop-a', payload: { recording_id: 'a' } });
    owner.send({ type: 'recording.start', ref: 'c2', payload: { room_id: 'demo', recording_id: 'c' } });
    expect((await owner.reply('c2')).type).toBe('ack');
    expect(t.server.gateway.stats().budgets.recordings).toEqual({ running: 2, max_per_session: 2 });
  });

  it('ends the recordings of a session with it: the room hears recording.stop, nothing is left behind', async () => {
    const t = await startTestServer();
    const owner = await t.joinRooms('owner', ['demo']);
    const viewer = await t.joinRooms('viewer', ['demo']);
    for (const id of ['a', 'b']) {
      owner.send({ type: 'recording.start', ref: id, payload: { room_id: 'demo', recording_id: id } });
    }
    await owner.reply('b');
    owner.close(1000); // a clean close ends the session
    const stops = [await viewer.next('recording.stop'), await viewer.next('recording.stop')];
    expect(stops.map((stop) => stop.payload.recording_id).sort()).toEqual(['a', 'b']);
    expect(t.server.gateway.stats().budgets.recordings.running).toBe(0);
  });
});

describe('graceful stop', () => {
  it('sends goodbye 4002 (resumable) and closes every connection with 4002', async () => {
    const t = await startTestServer();
    const { client: a } = await t.join({ user_id: 'a' });
    const b = await t.connect();
    const closing = t.server.close();
    for (const client of [a, b]) {
      expect((await client.next('goodbye')).payload).toEqual({
        code: 4002,
        reason: expect.any(String),
        resumable: true,
      });
      expect((await client.closed).code).toBe(4002);
    }
    await closing;
  });
});
