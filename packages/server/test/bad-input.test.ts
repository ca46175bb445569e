import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';
import type { TestClient } from './helpers/ws-client';

type Case = [name: string, send: (client: TestClient) => void, code: string, ref?: string];

const cases: Case[] = [
  ['invalid JSON', (c) => c.sendRaw('{"type":'), 'invalid_json'],
  ['a JSON array', (c) => c.sendRaw('[1,2]'), 'invalid_frame'],
  ['a JSON string', (c) => c.sendRaw('"hello"'), 'invalid_frame'],
  ['a missing type', (c) => c.send({ payload: {}, ref: 'm' }), 'invalid_frame', 'm'],
  ['an unknown type', (c) => c.send({ type: 'chat.sned', payload: {}, ref: 'u' }), 'unknown_type', 'u'],
  [
    'a schema violation',
    (c) => c.send({ type: 'chat.send', payload: { room_id: 'r', content: 5 }, ref: 's' }),
    'invalid_frame',
    's',
  ],
  ['a binary frame', (c) => c.sendRaw(Buffer.from('{"type":"heartbeat"}'), true), 'binary_unsupported'],
  [
    'an oversize frame',
    (c) => c.send({ type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c', content: 'x'.repeat(20_000) } }),
    'frame_too_large',
  ],
  [
    'a second identify',
    (c) => c.send({ type: 'identify', payload: { user_id: 'x' }, ref: 'i2' }),
    'already_identified',
    'i2',
  ],
];

describe('bad input', () => {
  it.each(cases)('answers %s with its error frame and keeps serving', async (_name, send, code, ref) => {
    const t = await startTestServer();
    const { client } = await t.join({ user_id: 'a', subscriptions: ['r'] });
    send(client);
    const error = await client.next('error');
    expect(error.payload.code).toBe(code);
    expect(error.ref).toBe(ref);
    expect(error.seq).toBeUndefined();
    client.send({
      type: 'chat.send',
      ref: 'ok',
      payload: { room_id: 'r', client_msg_id: 'c1', content: 'still here' },
    });
    expect((await client.reply('ok')).payload.status).toBe('accepted');
  });

  it('names the first failing field of a schema violation', async () => {
    const t = await startTestServer();
    const { client } = await t.join({ user_id: 'a' });
    client.send({ type: 'chat.send', ref: 's', payload: { room_id: 'r', client_msg_id: 'c', content: 5 } });
    const error = await client.reply('s');
    expect(error.payload.message).toContain('payload.content');
    expect(error.payload.message).toMatch(/expected string/);
  });

  it('answers frames before identify with not_identified', async () => {
    const t = await startTestServer();
    const client = await t.connect();
    client.send({ type: 'subscribe', ref: 'early', payload: { room_ids: ['r'] } });
    expect(await client.reply('early')).toMatchObject({ type: 'error', payload: { code: 'not_identified' } });
    client.send({ type: 'identify', payload: { user_id: 'a' } });
    await client.next('ready');
  });

  it('closes with goodbye and 4400 after repeated bad frames', async () => {
    const t = await startTestServer();
    const { client } = await t.join({ user_id: 'a' });
    for (let i = 0; i < 10; i++) client.sendRaw('not json');
    const goodbye = await client.next('goodbye');
    expect(goodbye.payload).toMatchObject({ code: 4400, resumable: false });
    expect(client.all('error')).toHaveLength(10);
    expect((await client.closed).code).toBe(CloseCode.protocol_violation);
  });

  it('closes 1009 at the socket level for frames far beyond the limit', async () => {
    const t = await startTestServer({ maxFrameBytes: 1024 });
    const { client } = await t.join({ user_id: 'a' });
    client.sendRaw('x'.repeat(4096));
    expect((await client.closed).code).toBe(1009);
  });
});
