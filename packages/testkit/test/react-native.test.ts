import { reactNativeLifecycle } from '@gateway/client/react-native';
import { afterEach, describe, expect, it } from 'vitest';
import { fakePlatform, offline, online } from '../../client/test/fake-react-native';
import { startTestGateway, type TestGateway, waitForEvent, waitForState } from '../src/index';

// A React Native app's client with `reactNativeLifecycle`, against the real gateway. The gateway and the app share
// the manual clock; the app's suspension is a `jump` (time passes and no timer runs, the gateway's included, until
// the next `advance` fires them late).

let gateway: TestGateway;
afterEach(() => gateway.close());

async function app() {
  gateway = await startTestGateway(); // heartbeat interval 30 s; the client's grace 5 s
  const platform = fakePlatform('active');
  const lifecycle = reactNativeLifecycle(platform);
  const client = await gateway.client({ userId: 'alice', lifecycle, random: () => 0 }); // reconnects after 500 ms
  await client.ready();
  const notices: string[] = [];
  client.on('system', ({ message }) => notices.push(message));
  const notify = (message: string) => gateway.server.gateway.send({ userId: 'alice' }, 'system', { message });
  return { client, platform, lifecycle, notices, notify, network: gateway.network(client) };
}

describe('React Native lifecycle against the gateway', () => {
  it('back in front after the heartbeat deadline on a dead socket: resumes, nothing lost or doubled', async () => {
    const { client, platform, notices, notify, network } = await app();
    const first = waitForEvent(client, 'system');
    notify('m1');
    await first;

    // The app goes to the background and is suspended; its connection dies without a close on either side.
    platform.setAppState('background');
    network.stall();
    notify('m2');
    notify('m3');
    await expect.poll(() => network.held, { timeout: 3000 }).toBeGreaterThan(0); // m2 and m3 are in the dead link
    gateway.clock.jump(60_000); // t=60 s: suspended, past 30 s + 5 s, no timer ran
    expect(client.state).toBe('ready'); // the socket still looks open

    platform.setAppState('active'); // the client checks the socket on the clock: dead
    expect(client.state).toBe('reconnecting');
    const resumed = waitForEvent(client, 'resumed');
    gateway.clock.advance(500); // t=60.5 s: the gateway's late timers, then the reconnect
    expect(await resumed).toMatchObject({ replayed: 2 });
    expect(notices).toEqual(['m1', 'm2', 'm3']);
  });

  it('network lost and back: NetInfo online reconnects at once (no backoff wait) and resumes', async () => {
    const { client, platform, notices, notify, network } = await app();
    platform.netInfo.emit(online);

    platform.netInfo.emit(offline);
    network.cut();
    await waitForState(client, 'reconnecting');
    await expect.poll(() => gateway.server.gateway.stats().connections, { timeout: 3000 }).toBe(0);
    notify('while offline');

    const resumed = waitForEvent(client, 'resumed');
    const before = gateway.clock.now();
    network.restore();
    platform.netInfo.emit(online);
    expect(await resumed).toMatchObject({ replayed: 1 });
    expect(gateway.clock.now()).toBe(before);
    expect(notices).toEqual(['while offline']);
  });

  it('terminate closes cleanly and the session ends on the gateway at once, not after the resume window', async () => {
    const { client, lifecycle } = await app();
    expect(gateway.server.gateway.stats().sessions).toBe(1);
    lifecycle.terminate();
    expect(client.state).toBe('closed');
    await expect
      .poll(() => gateway.server.gateway.stats(), { timeout: 3000 })
      .toMatchObject({ connections: 0, sessions: 0 });
  });
});
