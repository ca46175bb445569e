import { describe, expect, it } from 'vitest';
import { GatewayClientError } from '../src/errors';
import { Requests } from '../src/requests';
import { ManualClock } from './manual-clock';

function setup() {
  const clock = new ManualClock();
  const link = { heardAt: 0, givenUp: 0 };
  const requests = new Requests(clock, 1000, {
    silentSince: (time) => link.heardAt <= time,
    giveUp: () => link.givenUp++,
  });
  return { clock, requests, link };
}

describe('request manager', () => {
  it('resolves by the ack carrying its ref, validated against the ack result schema', async () => {
    const { requests } = setup();
    const { frame, result } = requests.create({ type: 'recording.start', payload: { room_id: 'r' } }, false);
    requests.sent(frame.ref);
    expect(requests.settle({ type: 'ack', ref: 'other', payload: {} })).toBe(false);
    expect(requests.settle({ type: 'ack', ref: frame.ref, payload: { recording_id: 'rec' } })).toBe(true);
    await expect(result).resolves.toEqual({ recording_id: 'rec' });
  });

  it('rejects by an error reply with the server code and details', async () => {
    const { requests } = setup();
    const { frame, result } = requests.create({ type: 'chat.send', payload: {} }, true);
    requests.settle({
      type: 'error',
      ref: frame.ref,
      payload: { code: 'not_subscribed', message: 'no', details: { room_id: 'r' } },
    });
    await expect(result).rejects.toMatchObject({
      name: 'GatewayClientError',
      code: 'not_subscribed',
      details: { room_id: 'r' },
    });
  });

  it('rejects an ack of the wrong shape as invalid_frame', async () => {
    const { requests } = setup();
    const { frame, result } = requests.create({ type: 'chat.history', payload: {} }, true);
    requests.settle({ type: 'ack', ref: frame.ref, payload: { nope: true } });
    await expect(result).rejects.toMatchObject({ code: 'invalid_frame' });
  });

  it('times out on the clock once sent, not while queued', async () => {
    const { clock, requests, link } = setup();
    const { frame, result } = requests.create({ type: 'chat.history', payload: {} }, true);
    clock.advance(5000);
    requests.sent(frame.ref);
    link.heardAt = clock.now() + 1;
    clock.advance(999);
    const settled = expect(result).rejects.toMatchObject({ code: 'timeout' });
    clock.advance(1);
    await settled;
    expect(clock.pending).toBe(0);
  });

  it('on disconnect rejects what cannot be retried and hands back the rest in order', async () => {
    const { requests } = setup();
    const once = requests.create({ type: 'chat.delete', payload: {} }, false);
    const retry1 = requests.create({ type: 'chat.send', payload: { n: 1 } }, true);
    const queued = requests.create({ type: 'chat.send', payload: { n: 2 } }, true);
    const retry2 = requests.create({ type: 'subscribe', payload: {} }, true);
    for (const r of [once, retry1, retry2]) requests.sent(r.frame.ref);
    const resend = requests.disconnected((ref) => ref === queued.frame.ref);
    expect(resend.map((f) => f.ref)).toEqual([retry1.frame.ref, retry2.frame.ref]);
    await expect(once.result).rejects.toMatchObject({ code: 'disconnected' });
    requests.rejectAll(new GatewayClientError('closed', 'bye'));
    for (const r of [retry1, queued, retry2]) await expect(r.result).rejects.toMatchObject({ code: 'closed' });
  });

  it('gives a silent link up, once, when a retryable request times out on it, instead of rejecting', async () => {
    const { clock, requests, link } = setup();
    const { frame, result } = requests.create({ type: 'chat.send', payload: {} }, true);
    clock.advance(10);
    requests.sent(frame.ref);
    clock.advance(1000);
    expect(link.givenUp).toBe(1);
    // The dropped link hands the request back to be sent again, under its ref; it times out for good then.
    expect(requests.disconnected(() => false)).toEqual([frame]);
    requests.sent(frame.ref);
    clock.advance(1000);
    await expect(result).rejects.toMatchObject({ code: 'timeout' });
    expect(link.givenUp).toBe(1);
  });

  it('rejects a timed-out request at once when the link spoke since it went out, or when it is not retryable', async () => {
    const { clock, requests, link } = setup();
    const chat = requests.create({ type: 'chat.send', payload: {} }, true);
    const other = requests.create({ type: 'chat.delete', payload: {} }, false);
    requests.sent(chat.frame.ref);
    requests.sent(other.frame.ref);
    link.heardAt = clock.now() + 1;
    clock.advance(1000);
    await expect(chat.result).rejects.toMatchObject({ code: 'timeout' });
    await expect(other.result).rejects.toMatchObject({ code: 'timeout' });
    expect(link.givenUp).toBe(0);
  });
});
