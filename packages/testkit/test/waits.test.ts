import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, waitForEvent, waitForState } from '../src/index';

let gateway: TestGateway;
afterEach(() => gateway.close());

describe('bounded waits', () => {
  it('waitForState resolves at once in that state, else at the transition to it', async () => {
    gateway = await startTestGateway();
    const alice = await gateway.client({ userId: 'alice', autoConnect: false });
    await waitForState(alice, 'idle');
    const ready = waitForState(alice, 'ready');
    alice.connect();
    await ready;
    expect(alice.state).toBe('ready');
  });

  it('waitForEvent resolves with the first value that passes `where`', async () => {
    gateway = await startTestGateway();
    const alice = await gateway.client({ userId: 'alice' });
    await alice.ready();
    const second = waitForEvent(alice, 'system', { where: ({ message }) => message === 'two' });
    for (const message of ['one', 'two', 'three'])
      gateway.server.gateway.send({ userId: 'alice' }, 'system', { message });
    expect(await second).toEqual({ message: 'two' });
  });

  it('both reject after their timeout, naming what they waited for, and leave no listener behind', async () => {
    gateway = await startTestGateway();
    const alice = await gateway.client({ userId: 'alice', autoConnect: false });
    await expect(waitForEvent(alice, 'ready', { timeoutMs: 20 })).rejects.toThrow(
      'No "ready" event within 20 ms (the client is idle)',
    );
    await expect(waitForState(alice, 'ready', { timeoutMs: 20 })).rejects.toThrow('did not reach "ready"');
    expect(alice.listenerCount('ready') + alice.listenerCount('state')).toBe(0);
  });
});
