import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

const UNSEQUENCED = new Set([
  'hello',
  'ready',
  'ack',
  'error',
  'subscribed',
  'typing.start',
  'typing.stop',
  'heartbeat_ack',
]);

describe('sequence numbers and replay', () => {
  it('numbers every dispatch 1, 2, 3, … and leaves replies and ephemeral frames unnumbered', async () => {
    const t = await startTestServer();
    // Presence diffs reach the subject's own sessions too: the watcher's own arrival is numbered first.
    const { client: watcher } = await t.join({ user_id: 'watcher', subscriptions: ['r'] }); // presence.diff ×2
    await watcher.nextChange('joined', 'watcher', 'r');
    const { client: other } = await t.join({ user_id: 'other', subscriptions: ['r'] }); // presence.diff ×2
    await watcher.nextChange('joined', 'other', 'r');
    other.send({ type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c', content: 'x' } }); // chat.message
    other.send({ type: 'recording.start', ref: 'rec', payload: { room_id: 'r', recording_id: 'rec-1' } }); // recording.start
    other.send({ type: 'typing.start', payload: { room_id: 'r' } }); // typing: no seq
    watcher.send({ type: 'chat.send', ref: 'w', payload: { room_id: 'r', client_msg_id: 'w', content: 'y' } }); // ack + chat.message
    watcher.send({ type: 'nope' }); // error
    await watcher.next('typing.start');
    await watcher.next('recording.start');
    t.server.gateway.broadcast('system', { message: 'Welcome!' }); // system
    await watcher.next('system');
    await watcher.barrier(); // heartbeat_ack

    const dispatches = watcher.frames.filter((f) => !UNSEQUENCED.has(f.type));
    expect(dispatches.map((f) => f.type)).toEqual([
      'presence.diff',
      'presence.diff',
      'presence.diff',
      'presence.diff',
      'chat.message',
      'recording.start',
      'chat.message',
      'system',
    ]);
    expect(dispatches.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // One diff per scope (everyone, then room r) for each arrival, each naming one user.
    expect(watcher.changes().map(({ kind, userId, roomId, frame }) => [frame.seq, kind, userId, roomId])).toEqual([
      [1, 'joined', 'watcher', undefined],
      [2, 'joined', 'watcher', 'r'],
      [3, 'joined', 'other', undefined],
      [4, 'joined', 'other', 'r'],
    ]);
    for (const frame of watcher.frames.filter((f) => UNSEQUENCED.has(f.type))) expect(frame.seq).toBeUndefined();
    expect(watcher.all('error')).toHaveLength(1);
    expect(watcher.all('ack')).toHaveLength(1);
  });

  it('replays missed dispatches with their original seq, then acks the count; eventsSince agrees', async () => {
    const t = await startTestServer();
    const { client, ready } = await t.join({ user_id: 'me', subscriptions: ['r'] });
    // The session's own arrival (everyone, then room r) takes seq 1 and 2: diffs reach the subject's sessions too.
    expect((await client.nextChange('joined', 'me', undefined)).frame.seq).toBe(1);
    expect((await client.nextChange('joined', 'me', 'r')).frame.seq).toBe(2);
    for (let i = 1; i <= 5; i++) t.server.gateway.broadcast('system', { message: `n${i}` }, { room: 'r' });
    for (let i = 1; i <= 5; i++) await client.next('system');
    const received = client.all('system').slice(2);
    client.send({ type: 'replay', ref: 'rp', payload: { since: 4 } });
    const ack = await client.reply('rp');
    expect(ack).toEqual({ type: 'ack', ref: 'rp', payload: { replayed: 3 } });
    const replayed = client.all('system').slice(5);
    expect(replayed).toEqual(received);
    expect(replayed.map((f) => f.seq)).toEqual([5, 6, 7]);
    // Replays come before the ack.
    expect(client.frames.indexOf(ack)).toBeGreaterThan(client.frames.indexOf(replayed[2] ?? ack));

    const events = t.server.gateway.eventsSince(ready.payload.session_id, 5);
    expect(events).toEqual([
      { type: 'system', seq: 6, payload: { message: 'n4' } },
      { type: 'system', seq: 7, payload: { message: 'n5' } },
    ]);
    expect(t.server.gateway.eventsSince('no-such-session', 0)).toBeUndefined();
  });

  it('answers replay_unavailable when the buffer no longer reaches back', async () => {
    const t = await startTestServer({ replayBufferEvents: 3 });
    const { client, ready } = await t.join({ user_id: 'me' });
    // The session's own arrival in the global scope takes seq 1; the six that follow are 2…7, the last 3 kept.
    expect((await client.nextChange('joined', 'me', undefined)).frame.seq).toBe(1);
    for (let i = 1; i <= 6; i++) t.server.gateway.send({ userId: 'me' }, 'system', { message: `n${i}` });
    for (let i = 1; i <= 6; i++) await client.next('system');
    client.send({ type: 'replay', ref: 'old', payload: { since: 3 } });
    expect(await client.reply('old')).toMatchObject({ type: 'error', payload: { code: 'replay_unavailable' } });
    client.send({ type: 'replay', ref: 'ok', payload: { since: 4 } });
    expect((await client.reply('ok')).payload).toEqual({ replayed: 3 });
    expect(t.server.gateway.eventsSince(ready.payload.session_id, 3)).toBeUndefined();
    // A heartbeat's last_seq lets the server drop what the client has.
    client.send({ type: 'heartbeat', payload: { last_seq: 7 } });
    await client.next('heartbeat_ack');
    expect(t.server.gateway.eventsSince(ready.payload.session_id, 7)).toEqual([]);
  });
});
