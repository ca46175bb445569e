import { describe, expect, it } from 'vitest';
import { nextEvent, readyClient, record, startE2EServer, until } from './helpers';

describe('e2e: recordings', () => {
  it('start, three events and stop reach the other client in order with indexes', async () => {
    const server = await startE2EServer();
    const alice = await readyClient(server, 'alice', { rooms: ['room-1'] });
    const bob = await readyClient(server, 'bob', { rooms: ['room-1'] });
    const events = record(bob, 'recording.event');

    const started = nextEvent(bob, 'recording.start');
    const { recording_id: recordingId } = await alice.startRecording('room-1', { title: 'checkout flow' });
    expect(await started).toMatchObject({
      recording_id: recordingId,
      room_id: 'room-1',
      user_id: 'alice',
      metadata: { title: 'checkout flow' },
    });

    expect(alice.recordEvent(recordingId, 'mouse_click', { x: 100, y: 200 })).toBe(true);
    expect(alice.recordEvent(recordingId, 'key_press', { key: 'a' })).toBe(true);
    expect(alice.recordEvent(recordingId, 'scroll')).toBe(true);
    await until(bob, 'recording.event', () => events.length === 3);
    expect(events.map((e) => [e.recording_id, e.index, e.event, e.data])).toEqual([
      [recordingId, 0, 'mouse_click', { x: 100, y: 200 }],
      [recordingId, 1, 'key_press', { key: 'a' }],
      [recordingId, 2, 'scroll', undefined],
    ]);

    const stopped = nextEvent(bob, 'recording.stop');
    expect(await alice.stopRecording(recordingId)).toEqual({ recording_id: recordingId, events: 3 });
    expect(await stopped).toMatchObject({ recording_id: recordingId, events: 3 });
  });
});

describe('e2e: server-initiated streams', () => {
  it('gateway.startStream sends start, indexed chunks and the assembled message; fetchStream snapshots it', async () => {
    const server = await startE2EServer();
    const alice = await readyClient(server, 'alice', { rooms: ['room-1'] });
    const chunks = record(alice, 'chat.stream_chunk');

    const started = nextEvent(alice, 'chat.stream_start');
    const stream = server.gateway.startStream({
      room_id: 'room-1',
      sender_id: 'assistant',
      sender_name: 'Assistant',
      metadata: { model: 'tiny' },
    });
    expect(await started).toMatchObject({ stream_id: stream.stream_id, room_id: 'room-1', sender_id: 'assistant' });

    expect(['Hel', 'lo, ', 'world'].map((part) => stream.write(part))).toEqual([0, 1, 2]);
    await until(alice, 'chat.stream_chunk', () => chunks.length === 3);
    expect(chunks).toEqual([
      { stream_id: stream.stream_id, room_id: 'room-1', index: 0, content: 'Hel' },
      { stream_id: stream.stream_id, room_id: 'room-1', index: 1, content: 'lo, ' },
      { stream_id: stream.stream_id, room_id: 'room-1', index: 2, content: 'world' },
    ]);

    const midway = await alice.fetchStream(stream.stream_id, 1);
    expect(midway).toEqual({
      stream_id: stream.stream_id,
      room_id: 'room-1',
      chunks: [
        { index: 1, content: 'lo, ' },
        { index: 2, content: 'world' },
      ],
      ended: false,
    });

    const ended = nextEvent(alice, 'chat.stream_end');
    const message = await stream.end();
    const end = await ended;
    expect(end).toEqual({ stream_id: stream.stream_id, room_id: 'room-1', chunks: 3, message });
    expect(message).toMatchObject({
      room_id: 'room-1',
      sender_id: 'assistant',
      sender_name: 'Assistant',
      kind: 'text',
      content: 'Hello, world',
      metadata: { model: 'tiny' },
    });

    const snapshot = await alice.fetchStream(stream.stream_id);
    expect(snapshot.ended).toBe(true);
    expect(snapshot.chunks.map((chunk) => chunk.content).join('')).toBe('Hello, world');
    expect((await alice.history('room-1')).messages).toEqual([message]);
  });
});
