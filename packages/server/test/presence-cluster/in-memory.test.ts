import { afterEach, describe, it } from 'vitest';
import { InMemoryBackplane } from '../../src/index';
import { startTestServer } from '../helpers/server';
import {
  closeClients,
  devicesOnBothInstances,
  type Endpoint,
  roomPresenceOnce,
  snapshotsSeeOtherInstance,
} from './scenarios';

afterEach(() => closeClients());

/** Two gateways in one process sharing an InMemoryBackplane: two instances, as far as presence can tell. */
async function twoInstances(options: { globalPresence?: boolean } = {}): Promise<[Endpoint, Endpoint]> {
  const backplane = new InMemoryBackplane();
  const a = await startTestServer({ backplane, ...options });
  const b = await startTestServer({ backplane, ...options });
  return [a.server, b.server];
}

describe('presence across instances (in-memory backplane)', () => {
  it('a user with devices on both instances joins once, updates on the second device, leaves after both', async () => {
    const [a, b] = await twoInstances();
    await devicesOnBothInstances(a, b);
  });

  it('sends a room’s joins and leaves once across instances and counts members on every instance', async () => {
    const [a, b] = await twoInstances();
    await roomPresenceOnce(a, b, 'room-x');
  });

  it('sends a room’s joins and leaves once with global presence off too', async () => {
    const [a, b] = await twoInstances({ globalPresence: false });
    await roomPresenceOnce(a, b, 'room-y');
  });

  it('ready.presence and subscribed.members include users on the other instance', async () => {
    const [a, b] = await twoInstances();
    await snapshotsSeeOtherInstance(a, b, 'room-z');
  });
});
