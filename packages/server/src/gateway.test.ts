import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test/helpers/manual-clock';
import type { Gateway } from './core/api';
import { createGateway } from './gateway';
import { InMemoryBackplane } from './memory/backplane';

/** The core driven without sockets: a fake connection records what the gateway sends. */
function fakeConnection(gateway: Gateway) {
  const sent: Array<{ type: string; payload?: Record<string, unknown>; seq?: number; ref?: string }> = [];
  const closes: Array<{ code: number; reason: string }> = [];
  const handle = gateway.open({
    send: (text) => sent.push(JSON.parse(text)),
    close: (code, reason) => closes.push({ code, reason }),
  });
  return {
    sent,
    closes,
    handle,
    send: (frame: object) => handle.message(JSON.stringify(frame), false),
    types: () => sent.map((frame) => frame.type),
  };
}

/** Lets the microtasks of async handlers (identify, subscribe) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('gateway core without sockets', () => {
  it('walks hello → identify → ready, then chat, through a fake connection', async () => {
    const gateway = createGateway({ clock: new ManualClock() });
    const a = fakeConnection(gateway);
    expect(a.types()).toEqual(['hello']);
    a.send({ type: 'identify', payload: { user_id: 'a', subscriptions: ['r'] } });
    await settle();
    expect(a.types()).toEqual(['hello', 'ready']);
    a.send({ type: 'chat.send', ref: '1', payload: { room_id: 'r', client_msg_id: 'c', content: 'hi' } });
    expect(a.types()).toEqual(['hello', 'ready', 'ack', 'chat.message']);
    expect(a.sent[3]?.seq).toBe(1);
    gateway.stop();
    expect(a.closes).toEqual([{ code: 4002, reason: 'The server is stopping.' }]);
  });

  it('expires a silent connection with goodbye 4001 from one sweep timer', async () => {
    const clock = new ManualClock();
    const gateway = createGateway({ clock, heartbeatIntervalMs: 1000, heartbeatGraceMs: 0, identifyTimeoutMs: 60_000 });
    const a = fakeConnection(gateway);
    a.send({ type: 'identify', payload: { user_id: 'a' } });
    await settle();
    clock.advance(1000);
    expect(a.types().at(-1)).toBe('heartbeat');
    clock.advance(500);
    expect(a.sent.at(-1)).toMatchObject({ type: 'goodbye', payload: { code: 4001, resumable: true } });
    expect(a.closes[0]?.code).toBe(4001);
    expect(gateway.stats().connections).toBe(0);
  });

  it('closes a slow consumer once with goodbye 4003 and keeps its session for a resume', async () => {
    const gateway = createGateway({ clock: new ManualClock(), maxBufferedBytes: 100 });
    let buffered = 0;
    const sent: Array<{ type: string; payload?: Record<string, unknown> }> = [];
    const closes: number[] = [];
    const handle = gateway.open({
      send: (text) => sent.push(JSON.parse(text)),
      close: (code) => closes.push(code),
      get bufferedAmount() {
        return buffered;
      },
    });
    handle.message(JSON.stringify({ type: 'identify', payload: { user_id: 'slow' } }), false);
    await settle();
    buffered = 1000; // the peer stopped reading
    gateway.send({ userId: 'slow' }, 'system', { message: 'one too many' });
    expect(sent.filter((frame) => frame.type === 'goodbye')).toEqual([
      { type: 'goodbye', payload: { code: 4003, reason: expect.any(String), resumable: true } },
    ]);
    expect(closes).toEqual([4003]);
    expect(gateway.stats()).toMatchObject({ connections: 0, sessions: 1, sessions_detached: 1 });
  });

  it('forgets a dedup entry after the window', async () => {
    const clock = new ManualClock();
    const gateway = createGateway({ clock, dedupWindowMs: 1000, heartbeatIntervalMs: 3_600_000 });
    const a = fakeConnection(gateway);
    a.send({ type: 'identify', payload: { user_id: 'a', subscriptions: ['r'] } });
    await settle();
    const send = { type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c', content: 'x' } };
    a.send(send);
    a.send(send);
    clock.advance(1000);
    a.send(send);
    expect(a.sent.filter((f) => f.type === 'ack').map((f) => f.payload?.duplicate)).toEqual([
      undefined,
      true,
      undefined,
    ]);
    expect(a.sent.filter((f) => f.type === 'chat.message')).toHaveLength(2);
  });

  it('fans out through a shared backplane between two gateways', async () => {
    const backplane = new InMemoryBackplane();
    const one = createGateway({ backplane, clock: new ManualClock() });
    const two = createGateway({ backplane, clock: new ManualClock() });
    const a = fakeConnection(one);
    const b = fakeConnection(two);
    a.send({ type: 'identify', payload: { user_id: 'a', subscriptions: ['r'] } });
    b.send({ type: 'identify', payload: { user_id: 'b', subscriptions: ['r'] } });
    await settle();
    a.send({ type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c', content: 'across' } });
    expect(b.sent.find((f) => f.type === 'chat.message')?.payload).toMatchObject({ content: 'across', sender_id: 'a' });
    two.send({ userId: 'a' }, 'system', { message: 'from two' });
    expect(a.sent.find((f) => f.type === 'system')?.payload).toEqual({ message: 'from two' });
    one.stop();
    two.stop();
    expect(backplane.channelCount()).toBe(0);
  });

  it('refuses handlers for types not declared as client events', () => {
    const gateway = createGateway();
    // @ts-expect-error 'app.unknown' is not among the declared events
    expect(() => gateway.handle('app.unknown', () => undefined)).toThrow(TypeError);
  });
});
