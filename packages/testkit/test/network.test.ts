import type { GatewayClient } from '@gateway/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, waitForEvent, waitForState } from '../src/index';

let gateway: TestGateway;
afterEach(() => gateway.close());

/** Alice, ready, with every `system` notice she receives. */
async function alice() {
  gateway = await startTestGateway();
  const client = await gateway.client({ userId: 'alice', random: () => 0 }); // reconnects after exactly 500 ms
  await client.ready();
  const notices: string[] = [];
  client.on('system', ({ message }) => notices.push(message));
  return { client, notices, network: gateway.network(client) };
}

/** A sequenced event for alice, kept for her resume while she is away. */
const notify = (message: string) => gateway.server.gateway.send({ userId: 'alice' }, 'system', { message });

const received = (client: GatewayClient, message: string) =>
  waitForEvent(client, 'system', { where: (notice) => notice.message === message });

describe('network(client)', () => {
  it('cut: the connection drops at once, new ones are refused until restore, then the session resumes', async () => {
    const { client, notices, network } = await alice();
    network.cut();
    await waitForState(client, 'reconnecting');
    notify('while cut');

    const refused = waitForEvent(client, 'error');
    gateway.clock.advance(500); // t=0.5 s: the reconnect meets a network that is still down
    expect((await refused).code).toBe('connect_failed');

    network.restore();
    const resumed = waitForEvent(client, 'resumed');
    client.connect(); // skips the backoff's wait
    expect(await resumed).toMatchObject({ replayed: 1 });
    expect(notices).toEqual(['while cut']);
  });

  it('stall: nothing passes either way while both ends stay open; restore lets it through in order', async () => {
    const { client, notices, network } = await alice();
    network.stall();
    notify('one');
    notify('two');
    await expect.poll(() => network.held, { timeout: 3000 }).toBeGreaterThan(0);
    expect(client.state).toBe('ready');
    expect(gateway.server.gateway.stats().connections).toBe(1);

    const two = received(client, 'two');
    network.restore();
    await two;
    expect(notices).toEqual(['one', 'two']);
  });

  it('delay: each chunk is held for that long on the manual clock, and no longer', async () => {
    const { client, notices, network } = await alice();
    network.delay(1_000);
    notify('late');
    await expect.poll(() => network.held, { timeout: 3000 }).toBeGreaterThan(0);
    gateway.clock.advance(999); // t=0.999 s: still held
    expect(network.held).toBeGreaterThan(0);
    const late = received(client, 'late');
    gateway.clock.advance(1); // t=1 s: out it goes
    await late;
    expect(notices).toEqual(['late']);

    network.restore();
    const now = received(client, 'now');
    notify('now');
    await now;
  });
});
