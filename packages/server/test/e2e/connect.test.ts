import { GatewayClientError } from '@gateway/client';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { barrier, nextEvent, openClient, readyClient, record, startE2EServer } from './helpers';

const SECRET = 'e2e-secret-that-is-long-enough-for-hs256';

function signToken(secret: string, subject: string, name?: string): Promise<string> {
  return new SignJWT(name === undefined ? {} : { name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

describe('e2e: connecting', () => {
  it('a Node bot on the default WebSocket reaches ready through connecting and handshaking (dev mode)', async () => {
    const server = await startE2EServer();
    const client = openClient({
      url: server.wsUrl,
      userId: 'bot-1',
      displayName: 'Build Bot',
      deviceType: 'bot',
      autoConnect: false,
    });
    const transitions = record(client, 'state');
    expect(client.state).toBe('idle');

    client.connect();
    const ready = await client.ready();

    expect(transitions).toEqual([
      { from: 'idle', to: 'connecting' },
      { from: 'connecting', to: 'handshaking' },
      { from: 'handshaking', to: 'ready' },
    ]);
    expect(client.state).toBe('ready');
    expect(client.user).toEqual({ id: 'bot-1', display_name: 'Build Bot' });
    expect(client.sessionId).toEqual(expect.any(String));
    expect(client.sessionId).toBe(ready.session_id);
    expect(ready.presence.map((entry) => [entry.user_id, entry.devices[0]?.device_type])).toEqual([['bot-1', 'bot']]);
    expect(server.gateway.stats()).toMatchObject({ mode: 'dev', connections: 1, sessions: 1, users: 1 });
  });

  it('JWT mode: a token from async getToken identifies the user by its sub and name claims', async () => {
    const server = await startE2EServer({ jwtSecret: SECRET });
    let tokenCalls = 0;
    const client = openClient({
      url: server.wsUrl,
      userId: 'ignored-in-jwt-mode',
      getToken: async () => {
        tokenCalls++;
        return signToken(SECRET, 'alice', 'Alice');
      },
    });
    const ready = await client.ready();
    expect(ready.user).toEqual({ id: 'alice', display_name: 'Alice' });
    expect(client.user).toEqual({ id: 'alice', display_name: 'Alice' });
    expect(tokenCalls).toBe(1);
    expect(server.gateway.stats()).toMatchObject({ mode: 'jwt', sessions: 1 });
  });

  it('JWT mode: a forged token ends the client (fatal_close, 4401) without a reconnect', async () => {
    const server = await startE2EServer({ jwtSecret: SECRET });
    const client = openClient({
      url: server.wsUrl,
      getToken: () => signToken('some-other-secret-entirely', 'mallory'),
      autoConnect: false,
    });
    const reconnects = record(client, 'reconnecting');
    const states = record(client, 'state');
    client.connect();
    const readyOutcome = client.ready().then(
      () => undefined,
      (error: unknown) => error,
    );

    const error = await nextEvent(client, 'error', (e) => e.code === 'fatal_close');
    expect(error).toBeInstanceOf(GatewayClientError);
    expect(error.closeCode).toBe(4401);
    expect(client.state).toBe('closed');
    expect(await readyOutcome).toMatchObject({ code: 'closed', closeCode: 4401 });
    expect(states.map((change) => change.to)).toEqual(['connecting', 'handshaking', 'closed']);
    expect(reconnects).toEqual([]);
    expect(server.gateway.stats()).toMatchObject({ connections: 0, sessions: 0 });
    // Closed is terminal: nothing was scheduled, so a server that would now accept the client sees nobody.
    const legit = await readyClient(server, 'unused', { getToken: () => signToken(SECRET, 'bob') });
    expect(legit.user?.id).toBe('bob');
    expect(server.gateway.stats().connections).toBe(1);
    expect(reconnects).toEqual([]);
  });
});

describe('e2e: offline queue', () => {
  it('a subscribe and a message made before connecting are delivered exactly once after ready', async () => {
    const server = await startE2EServer();
    const bob = await readyClient(server, 'bob', { rooms: ['room-1'] });
    const bobMessages = record(bob, 'chat.message');

    const alice = openClient({ url: server.wsUrl, userId: 'alice', autoConnect: false });
    const subscribed = alice.subscribe('room-1');
    const acked = alice.sendMessage('room-1', 'sent while offline');
    expect(alice.state).toBe('idle');

    alice.connect();
    expect((await subscribed).rooms.map((room) => room.room_id)).toEqual(['room-1']);
    const ack = await acked;
    expect(ack).toMatchObject({ status: 'accepted', room_id: 'room-1', message_id: expect.any(String) });

    // A later message proves nothing else was queued ahead of it on bob's socket.
    await alice.sendMessage('room-1', 'sent online');
    await nextEvent(bob, 'chat.message', (m) => m.content === 'sent online');
    await barrier(bob);
    expect(bobMessages.map((m) => [m.content, m.message_id === ack.message_id])).toEqual([
      ['sent while offline', true],
      ['sent online', false],
    ]);
    expect((await alice.history('room-1')).messages.map((m) => m.content)).toEqual([
      'sent while offline',
      'sent online',
    ]);
  });
});
