import { describe, expect, it } from 'vitest';
import { type ClientOptions, createClient, type GatewayClientError } from '../src/index';
import { FakeNetwork, hello, ready, settle } from './fake-socket';
import { ManualClock } from './manual-clock';

const expiring = { type: 'auth.expiring', payload: { expires_at: '2025-01-01T00:01:00.000Z', expires_in_ms: 60_000 } };

function setup(options: Partial<ClientOptions>) {
  const clock = new ManualClock();
  const network = new FakeNetwork();
  const client = createClient({ url: 'ws://fake', WebSocket: network.WebSocket, clock, random: () => 0, ...options });
  const errors: GatewayClientError[] = [];
  client.on('error', (error) => errors.push(error));
  return { client, clock, network, errors };
}

async function handshake(network: FakeNetwork) {
  const socket = network.last;
  socket.accept();
  socket.deliver(hello());
  await settle();
  socket.deliver(ready('s1'));
  return socket;
}

describe('auth.expiring → reauth', () => {
  it('sends a fresh token from getToken in reauth, once however often the warning comes', async () => {
    let calls = 0;
    const { client, network, errors } = setup({ getToken: async () => `t${++calls}` });
    const socket = await handshake(network);
    const warnings: unknown[] = [];
    client.on('auth.expiring', (payload) => warnings.push(payload));
    socket.deliver(expiring);
    socket.deliver(expiring);
    await settle();
    expect(warnings).toHaveLength(2);
    const reauth = socket.sentOfType('reauth');
    expect(reauth).toMatchObject([{ payload: { token: 't2' } }]);
    expect(reauth[0]?.ref).toBeDefined();
    socket.deliver({ type: 'ack', ref: reauth[0]?.ref, payload: { expires_at: '2025-01-01T01:00:00.000Z' } });
    await settle();
    expect(errors).toEqual([]);
    expect(client.state).toBe('ready');
    // A later warning (the new token nearing its own expiry) is answered again.
    socket.deliver(expiring);
    await settle();
    expect(socket.sentOfType('reauth')).toMatchObject([{ payload: { token: 't2' } }, { payload: { token: 't3' } }]);
    client.close();
  });

  it('reports reauth_failed when getToken fails, then resumes with a fresh token after the 4200 close', async () => {
    let calls = 0;
    const { client, clock, network, errors } = setup({
      getToken: () => {
        calls += 1;
        if (calls === 2) throw new Error('auth service down');
        return `t${calls}`;
      },
    });
    const socket = await handshake(network);
    socket.deliver(expiring);
    await settle();
    expect(socket.sentOfType('reauth')).toEqual([]);
    expect(errors).toMatchObject([{ code: 'reauth_failed', cause: new Error('auth service down') }]);
    expect(client.state).toBe('ready');
    // At expiry the server says goodbye and closes 4200 (refresh_token): the session is kept.
    socket.deliver({ type: 'goodbye', payload: { code: 4200, reason: 'token expired', resumable: true } });
    socket.drop(4200, 'token expired');
    expect(client.state).toBe('reconnecting');
    clock.advance(500);
    const second = network.last;
    second.accept();
    second.deliver(hello());
    await settle();
    expect(second.sent[0]).toEqual({ type: 'resume', payload: { session_id: 's1', seq: 0, token: 't3' } });
    second.deliver({ type: 'resumed', payload: { session_id: 's1', replayed: 0 } });
    expect(client.state).toBe('ready');
    expect(errors).toHaveLength(1);
    client.close();
  });

  it('reports reauth_failed with the server’s refusal as the cause', async () => {
    const { client, network, errors } = setup({ getToken: () => 'other-user' });
    const socket = await handshake(network);
    socket.deliver(expiring);
    await settle();
    const reauth = socket.sentOfType('reauth')[0];
    socket.deliver({ type: 'error', ref: reauth?.ref, payload: { code: 'forbidden', message: 'another user' } });
    await settle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'reauth_failed' });
    expect(errors[0]?.cause).toMatchObject({ code: 'forbidden' });
    client.close();
  });

  it('reports reauth_failed when getToken returns no token; a connection that dropped meanwhile gets no reauth', async () => {
    let release: (token: string) => void = () => {};
    let calls = 0;
    const { client, clock, network, errors } = setup({
      getToken: () => {
        calls += 1;
        if (calls === 2) return undefined;
        if (calls === 3) return new Promise<string>((resolve) => (release = resolve));
        return `t${calls}`;
      },
    });
    const socket = await handshake(network);
    socket.deliver(expiring);
    await settle();
    expect(errors).toMatchObject([{ code: 'reauth_failed', cause: new Error('getToken() returned no token.') }]);
    socket.deliver(expiring);
    await settle();
    socket.drop(1006);
    release('t3');
    await settle();
    // The next handshake shares the getToken call in flight; the dropped socket gets no reauth.
    expect(socket.sentOfType('reauth')).toEqual([]);
    expect(errors).toHaveLength(1);
    clock.advance(500);
    expect(network.sockets).toHaveLength(2);
    client.close();
  });

  it('says once that a static token cannot be replaced, and stops at the 4200 close', async () => {
    const { client, network, errors } = setup({ token: 'static' });
    const socket = await handshake(network);
    socket.deliver(expiring);
    socket.deliver(expiring);
    await settle();
    expect(socket.sentOfType('reauth')).toEqual([]);
    expect(errors).toMatchObject([{ code: 'reauth_failed' }]);
    socket.drop(4200, 'token expired');
    expect(client.state).toBe('closed');
    expect(errors.map((error) => error.code)).toEqual(['reauth_failed', 'fatal_close']);
  });
});
