import { describe, expect, it } from 'vitest';
import { GatewayClientError } from '../src/errors';
import type { ClientState } from '../src/events';
import type { Outgoing } from '../src/outgoing/frame';
import { OutgoingRequests } from '../src/outgoing/outgoing-requests';
import { settle } from './fake-socket';
import { ManualClock } from './manual-clock';

// The outgoing path on its own, against a fake link: `link.state` is the client's state, `link.written`
// what went out on the socket, `link.heardAt` when the server last said anything.

function setup(maxQueued = 100) {
  const clock = new ManualClock();
  const link = {
    state: 'ready' as ClientState,
    written: [] as Outgoing[],
    writable: true,
    heardAt: 0,
    givenUp: 0,
    left: 0,
  };
  const outgoing = new OutgoingRequests({
    clock,
    timeoutMs: 1000,
    maxQueued,
    link: {
      state: () => link.state,
      write: (frame) => link.writable && link.written.push(frame) > 0,
      silentSince: (time) => link.heardAt <= time,
      giveUp: () => link.givenUp++,
      leave: () => link.left++,
    },
  });
  /** The ref of the `index`th frame written. */
  const sentRef = (index: number): string => {
    const ref = link.written[index]?.ref;
    if (ref === undefined) throw new Error(`frame ${index} has no ref`);
    return ref;
  };
  return { clock, outgoing, link, sentRef };
}

const refusal = (ref: string | undefined, code: string, retryAfterMs?: number) => ({
  type: 'error' as const,
  ...(ref === undefined ? {} : { ref }),
  payload: { code, message: code, ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }) },
});

describe('outgoing requests: replies and timeouts', () => {
  it('resolves by the ack carrying its ref, validated against the ack result schema', async () => {
    const { outgoing, sentRef } = setup();
    const result = outgoing.request({ type: 'recording.start', payload: { room_id: 'r' } }, 'once');
    expect(outgoing.settle({ type: 'ack', ref: 'other', payload: {} })).toBe(false);
    expect(outgoing.settle({ type: 'ack', ref: sentRef(0), payload: { recording_id: 'rec' } })).toBe(true);
    await expect(result).resolves.toEqual({ recording_id: 'rec' });
  });

  it('rejects by an error reply with the server code and details', async () => {
    const { outgoing, sentRef } = setup();
    const result = outgoing.request({ type: 'chat.send', payload: {} }, 'retry');
    outgoing.settle({
      type: 'error',
      ref: sentRef(0),
      payload: { code: 'not_subscribed', message: 'no', details: { room_id: 'r' } },
    });
    await expect(result).rejects.toMatchObject({
      name: 'GatewayClientError',
      code: 'not_subscribed',
      details: { room_id: 'r' },
    });
  });

  it('rejects an ack of the wrong shape as invalid_frame', async () => {
    const { outgoing, sentRef } = setup();
    const result = outgoing.request({ type: 'chat.history', payload: {} }, 'retry');
    outgoing.settle({ type: 'ack', ref: sentRef(0), payload: { nope: true } });
    await expect(result).rejects.toMatchObject({ code: 'invalid_frame' });
  });

  it('times out on the clock once sent, not while queued', async () => {
    const { clock, outgoing, link } = setup();
    link.state = 'connecting';
    const result = outgoing.request({ type: 'chat.history', payload: {} }, 'retry');
    clock.advance(5000);
    link.state = 'ready';
    outgoing.flush();
    link.heardAt = clock.now() + 1;
    clock.advance(999);
    const settled = expect(result).rejects.toMatchObject({ code: 'timeout' });
    clock.advance(1);
    await settled;
    expect(clock.pending).toBe(0);
  });

  it('gives a silent link up, once, when a retryable request times out on it, instead of rejecting', async () => {
    const { clock, outgoing, link } = setup();
    const result = outgoing.request({ type: 'chat.send', payload: {} }, 'retry');
    const [frame] = link.written;
    clock.advance(1000);
    expect(link.givenUp).toBe(1);
    // The dropped link hands the request back to be sent again, under its ref; it times out for good then.
    outgoing.disconnected();
    outgoing.flush();
    expect(link.written).toEqual([frame, frame]);
    clock.advance(1000);
    await expect(result).rejects.toMatchObject({ code: 'timeout' });
    expect(link.givenUp).toBe(1);
  });

  it('rejects a timed-out request at once when the link spoke since it went out, or when it is not retryable', async () => {
    const { clock, outgoing, link } = setup();
    const chat = outgoing.request({ type: 'chat.send', payload: {} }, 'retry');
    const other = outgoing.request({ type: 'chat.delete', payload: {} }, 'once');
    link.heardAt = clock.now() + 1;
    clock.advance(1000);
    await expect(chat).rejects.toMatchObject({ code: 'timeout' });
    await expect(other).rejects.toMatchObject({ code: 'timeout' });
    expect(link.givenUp).toBe(0);
  });
});

describe('outgoing requests: the queue and the connection', () => {
  it('on disconnect rejects what cannot be retried and puts the rest back in front of the queue, in order', async () => {
    const { clock, outgoing, link } = setup();
    const once = outgoing.request({ type: 'chat.delete', payload: {} }, 'once');
    const retry1 = outgoing.request({ type: 'chat.send', payload: { n: 1 } }, 'retry');
    link.state = 'handshaking';
    const queued = outgoing.request({ type: 'chat.send', payload: { n: 2 } }, 'retry');
    link.state = 'ready';
    const retry2 = outgoing.request({ type: 'subscribe', payload: {} }, 'retry');
    expect(link.written.map((frame) => frame.ref)).toEqual(['r1', 'r2', 'r4']);
    outgoing.disconnected();
    await expect(once).rejects.toMatchObject({
      code: 'disconnected',
      message: 'The connection dropped before the reply to "chat.delete".',
    });
    link.written = [];
    outgoing.flush();
    expect(link.written.map((frame) => frame.ref)).toEqual(['r2', 'r4', 'r3']);
    outgoing.disconnected();
    expect(outgoing.send({ type: 'recording.event' }, 'once')).toBe(true);
    outgoing.close(new GatewayClientError('closed', 'bye'));
    for (const r of [retry1, queued, retry2]) await expect(r).rejects.toMatchObject({ code: 'closed' });
    link.written = [];
    outgoing.flush();
    expect(link.written).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('queues while not ready, refusing live frames, a send past the bound, and everything once closed', async () => {
    const { outgoing, link } = setup(2);
    link.state = 'reconnecting';
    expect(outgoing.send({ type: 'typing.start' }, 'live')).toBe(false);
    await expect(outgoing.request({ type: 'presence.update' }, 'live')).rejects.toMatchObject({
      code: 'not_ready',
      message: '"presence.update" is not queued while offline.',
    });
    const first = outgoing.request({ type: 'chat.send', payload: { n: 1 } }, 'retry');
    expect(outgoing.send({ type: 'recording.event' }, 'once')).toBe(true);
    expect(outgoing.send({ type: 'recording.event' }, 'once')).toBe(false);
    await expect(outgoing.request({ type: 'chat.send' }, 'retry')).rejects.toMatchObject({
      code: 'queue_full',
      message: 'The offline queue is full.',
    });
    link.state = 'ready';
    outgoing.flush();
    expect(link.written.map((frame) => frame.type)).toEqual(['chat.send', 'recording.event']);
    link.state = 'closed';
    expect(outgoing.send({ type: 'recording.event' }, 'once')).toBe(false);
    await expect(outgoing.request({ type: 'chat.send' }, 'retry')).rejects.toMatchObject({ code: 'closed' });
    outgoing.close(new GatewayClientError('closed', 'bye'));
    await expect(first).rejects.toMatchObject({ code: 'closed' });
  });

  it('rejects a request whose frame cannot be written with invalid_payload, and drops such a frame without a ref', async () => {
    const { outgoing, link } = setup();
    link.writable = false;
    await expect(outgoing.request({ type: 'chat.send' }, 'retry')).rejects.toMatchObject({
      code: 'invalid_payload',
      message: 'The "chat.send" frame could not be sent.',
    });
    link.state = 'handshaking';
    const queued = outgoing.request({ type: 'chat.history' }, 'retry');
    expect(outgoing.send({ type: 'recording.event' }, 'once')).toBe(true);
    outgoing.flush();
    await expect(queued).rejects.toMatchObject({ code: 'invalid_payload' });
    link.writable = true;
    outgoing.flush();
    expect(link.written).toEqual([]);
  });
});

describe('outgoing requests: refused for now', () => {
  it('holds a refused retryable request, its timeout stopped, and sends it again before the queued ones when the pause ends', async () => {
    const { clock, outgoing, link, sentRef } = setup();
    link.heardAt = Number.POSITIVE_INFINITY; // the server keeps talking: a timeout is a timeout
    const held = outgoing.request({ type: 'chat.send', payload: { n: 1 } }, 'retry');
    let settled = false;
    held.catch(() => {}).finally(() => (settled = true));
    expect(outgoing.refusedForNow(refusal(sentRef(0), 'rate_limited', 1500))).toBe(true);
    const later = outgoing.request({ type: 'chat.send', payload: { n: 2 } }, 'retry');
    expect(outgoing.send({ type: 'typing.start' }, 'live')).toBe(true);
    clock.advance(1499);
    await settle();
    expect(settled).toBe(false);
    expect(link.written.map((frame) => frame.ref ?? frame.type)).toEqual(['r1', 'typing.start']);
    clock.advance(1);
    expect(link.written.map((frame) => frame.ref ?? frame.type)).toEqual(['r1', 'typing.start', 'r1', 'r2']);
    clock.advance(1000);
    await expect(held).rejects.toMatchObject({ code: 'timeout' });
    await expect(later).rejects.toMatchObject({ code: 'timeout' });
  });

  it('does not hold what cannot be retried, nor a request refused a sixth time, nor an unknown ref', () => {
    const { clock, outgoing, link, sentRef } = setup();
    outgoing.request({ type: 'chat.delete' }, 'once').catch(() => {});
    expect(outgoing.refusedForNow(refusal(sentRef(0), 'rate_limited', 10))).toBe(false);
    expect(outgoing.refusedForNow(refusal(undefined, 'rate_limited', 10))).toBe(false);
    expect(outgoing.refusedForNow(refusal(sentRef(0), 'not_subscribed'))).toBe(false);
    clock.advance(10);
    outgoing.request({ type: 'chat.send' }, 'retry').catch(() => {});
    for (let i = 0; i < 5; i++) {
      expect(outgoing.refusedForNow(refusal(sentRef(link.written.length - 1), 'rate_limited', 10))).toBe(true);
      clock.advance(10);
    }
    expect(outgoing.refusedForNow(refusal(sentRef(link.written.length - 1), 'rate_limited', 10))).toBe(false);
    outgoing.close(new GatewayClientError('closed', 'bye'));
  });

  it('caps the pause at 60 s, waits 1 s when the server does not say, and lets no rate limit cut a drain short', () => {
    const { clock, outgoing, link } = setup();
    outgoing.refusedForNow(refusal(undefined, 'rate_limited', 2 ** 40));
    outgoing.send({ type: 'recording.event' }, 'once');
    clock.advance(59_999);
    expect(link.written).toEqual([]);
    clock.advance(1);
    expect(link.written).toHaveLength(1);
    outgoing.refusedForNow(refusal(undefined, 'rate_limited'));
    outgoing.send({ type: 'recording.event' }, 'once');
    clock.advance(999);
    expect(link.written).toHaveLength(1);
    clock.advance(1);
    expect(link.written).toHaveLength(2);
    // Shutting down: sends wait for the close, and a server that never closes is left after the timeout.
    outgoing.refusedForNow(refusal(undefined, 'shutting_down'));
    outgoing.refusedForNow(refusal(undefined, 'rate_limited', 10));
    outgoing.send({ type: 'recording.event' }, 'once');
    clock.advance(999);
    expect(link.left).toBe(0);
    clock.advance(1);
    expect(link.left).toBe(1);
    expect(link.written).toHaveLength(2);
  });

  it('a dropped connection ends the pause', () => {
    const { clock, outgoing, link } = setup();
    outgoing.refusedForNow(refusal(undefined, 'rate_limited', 30_000));
    outgoing.send({ type: 'recording.event' }, 'once');
    outgoing.disconnected();
    expect(clock.pending).toBe(0);
    outgoing.flush();
    expect(link.written.map((frame) => frame.type)).toEqual(['recording.event']);
  });
});
