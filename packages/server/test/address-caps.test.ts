import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readConfig } from '../src/config';
import { addressKey, clientAddressResolver } from '../src/transport/client-address';
import { startTestServer } from './helpers/server';

/** The status and body of a refused upgrade, or 101 once the socket opens (then it is closed again). */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return (await upgrade(url, headers)).status;
}

/** A Prometheus sample's value in a `/metrics` text (open in dev mode). */
async function sample(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('per-address caps (issue 12)', () => {
  it('refuses the upgrade past maxConnectionsPerAddress with 429, and takes one again once a socket closes', async () => {
    const t = await startTestServer({ maxConnectionsPerAddress: 3 });
    const clients = [await t.join({ user_id: 'a' }), await t.join({ user_id: 'b' }), await t.join({ user_id: 'c' })];
    expect(await upgradeStatus(t.server.wsUrl)).toBe(429);
    clients[0]?.client.ws.terminate();
    await expect.poll(() => upgradeStatus(t.server.wsUrl), { timeout: 2000 }).toBe(101);
  });

  it('refuses the upgrade past maxUnidentifiedPerAddress; an identified connection no longer counts', async () => {
    const t = await startTestServer({ maxUnidentifiedPerAddress: 2 });
    const first = await t.connect();
    await t.connect();
    // Two sockets sit in their identify window: a third may not join them.
    expect(await upgradeStatus(t.server.wsUrl)).toBe(429);
    first.send({ type: 'identify', payload: { user_id: 'a' } });
    await first.next('ready');
    expect(await upgradeStatus(t.server.wsUrl)).toBe(101);
    // Identified connections still count toward the total only.
    await t.join({ user_id: 'b' });
    await t.join({ user_id: 'c' });
  });

  it('answers 429 with a JSON reason and counts the refusals in /metrics', async () => {
    const t = await startTestServer({ maxConnectionsPerAddress: 1 });
    await t.connect();
    const refused = await upgrade(t.server.wsUrl);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: 'too_many_connections', message: expect.any(String) });
    expect(await sample(t.server.url, 'gateway_upgrades_refused_total{reason="too_many_connections"}')).toBe(1);
  });

  it('forgets an address once its last socket is gone, however the sockets ended', async () => {
    const t = await startTestServer({ maxFramesBeforeReady: 1 });
    const { client: identified } = await t.join({ user_id: 'a' });
    const waiting = await t.connect();
    const noisy = await t.connect();
    expect(await sample(t.server.url, 'gateway_connection_addresses')).toBe(1);
    identified.close(); // a clean close by the client
    waiting.ws.terminate(); // a lost connection
    // Closed by the server: a second frame before identify is one too many.
    noisy.send({ type: 'heartbeat', payload: {} });
    noisy.send({ type: 'heartbeat', payload: {} });
    expect((await noisy.closed).code).toBe(4400);
    await expect.poll(() => sample(t.server.url, 'gateway_connection_addresses'), { timeout: 2000 }).toBe(0);
    expect(t.server.gateway.stats().connections).toBe(0);
  });

  it('ignores X-Forwarded-For without trustProxy: a client cannot pick the address it is counted under', async () => {
    const t = await startTestServer({ maxConnectionsPerAddress: 1 });
    await t.open({ headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(await upgradeStatus(t.server.wsUrl, { 'x-forwarded-for': '203.0.113.2' })).toBe(429);
  });

  it('counts by X-Forwarded-For behind a trusted proxy (hops or addresses), and not behind an untrusted one', async () => {
    for (const trustProxy of [1, ['127.0.0.1'], ['127.0.0.0/8']]) {
      const t = await startTestServer({ maxConnectionsPerAddress: 1, trustProxy });
      await t.open({ headers: { 'x-forwarded-for': '203.0.113.1' } });
      expect(await upgradeStatus(t.server.wsUrl, { 'x-forwarded-for': '203.0.113.2' })).toBe(101);
      expect(await upgradeStatus(t.server.wsUrl, { 'x-forwarded-for': '203.0.113.1' })).toBe(429);
    }
    const untrusted = await startTestServer({ maxConnectionsPerAddress: 1, trustProxy: ['10.0.0.1'] });
    await untrusted.open({ headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(await upgradeStatus(untrusted.server.wsUrl, { 'x-forwarded-for': '203.0.113.2' })).toBe(429);
  });

  it('refuses malformed caps and proxy lists before anything is opened', async () => {
    await expect(startTestServer({ maxConnectionsPerAddress: 0 })).rejects.toThrow(/maxConnectionsPerAddress/);
    await expect(startTestServer({ maxUnidentifiedPerAddress: 1.5 })).rejects.toThrow(/maxUnidentifiedPerAddress/);
    await expect(startTestServer({ trustProxy: ['proxy.local'] })).rejects.toThrow(/trustProxy/);
  });
});

describe('the client address', () => {
  const peer = '127.0.0.1';
  it.each([
    { trust: undefined, xff: '1.1.1.1', want: '127.0.0.1' },
    { trust: 0, xff: '1.1.1.1', want: '127.0.0.1' },
    { trust: 1, xff: '1.1.1.1', want: '1.1.1.1' },
    { trust: 1, xff: '6.6.6.6, 1.1.1.1', want: '1.1.1.1' },
    { trust: 2, xff: '6.6.6.6, 1.1.1.1, 10.0.0.2', want: '1.1.1.1' },
    { trust: 3, xff: '1.1.1.1', want: '1.1.1.1' },
    { trust: 1, xff: undefined, want: '127.0.0.1' },
    { trust: 1, xff: 'garbage', want: '127.0.0.1' },
    { trust: 2, xff: '1.1.1.1, not-an-ip, 10.0.0.2', want: '10.0.0.2' },
    { trust: ['127.0.0.1', '10.0.0.0/8'], xff: '6.6.6.6, 1.1.1.1, 10.1.2.3', want: '1.1.1.1' },
    { trust: ['10.0.0.0/8'], xff: '1.1.1.1', want: '127.0.0.1' },
    { trust: ['127.0.0.1'], xff: '::ffff:1.1.1.1', want: '1.1.1.1' },
  ])('trustProxy $trust, X-Forwarded-For $xff: $want', ({ trust, xff, want }) => {
    expect(clientAddressResolver(trust)(peer, xff)).toBe(want);
  });

  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('reads TRUST_PROXY, MAX_CONNECTIONS_PER_ADDRESS and MAX_UNIDENTIFIED_PER_ADDRESS', () => {
    expect(readConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(readConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
    expect(() => readConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => readConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(readConfig({}).trustProxy).toBeUndefined();
    expect(readConfig({ MAX_CONNECTIONS_PER_ADDRESS: '500', MAX_UNIDENTIFIED_PER_ADDRESS: '20' })).toMatchObject({
      maxConnectionsPerAddress: 500,
      maxUnidentifiedPerAddress: 20,
    });
    expect(() => readConfig({ MAX_CONNECTIONS_PER_ADDRESS: '0' })).toThrow(/MAX_CONNECTIONS_PER_ADDRESS/);
  });
});
