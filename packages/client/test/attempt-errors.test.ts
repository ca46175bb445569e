import { describe, expect, it } from 'vitest';
import type { ClientOptions, GatewayClientError } from '../src/index';
import { fakeClient, hello, ready, settle } from './fake-socket';

// Failed attempts as a browser reports them (an error event that says nothing, then 1006), and the
// attempt count behind reconnect.maxAttempts, on an in-memory socket and a manual clock.

function setup(options: Partial<ClientOptions> = {}) {
  const { client, clock, network } = fakeClient(options);
  const errors: GatewayClientError[] = [];
  client.on('error', (error) => errors.push(error));
  /** The current socket fails the way a browser's does: `error` with no detail, then close 1006 before open. */
  const refuse = () => {
    network.last.onerror?.({ type: 'error' });
    network.last.drop(1006);
  };
  return { client, clock, network, errors, refuse };
}

describe('a failed attempt in a browser', () => {
  it('is one connect_failed that lists the likely causes, since the browser does not say which', () => {
    const { client, errors, refuse } = setup();
    refuse();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'connect_failed',
      message:
        'Could not connect to ws://fake: the server is down or unreachable, or it refused the upgrade (wrong path: 404, credentials or origin: 401/403, too many connections from this address: 429).',
    });
    expect(client.state).toBe('reconnecting');
    client.close();
  });

  it('keeps what a runtime does say (React Native: the answer in the message) beside the likely causes', () => {
    const { client, network, errors } = setup();
    network.last.onerror?.({ message: "Expected HTTP 101 response but was '404 Not Found'" });
    network.last.drop(1006);
    expect(errors[0]?.message).toBe(
      "Could not connect to ws://fake (Expected HTTP 101 response but was '404 Not Found'): the server is down or unreachable, or it refused the upgrade (wrong path: 404, credentials or origin: 401/403, too many connections from this address: 429).",
    );
    client.close();
  });

  it('with reconnect off: the failure, then disconnected, and the client is closed', () => {
    const { client, errors, refuse } = setup({ reconnect: false });
    refuse();
    expect(errors.map((error) => error.code)).toEqual(['connect_failed', 'disconnected']);
    expect(client.state).toBe('closed');
  });

  it('a listener that closes the client on the failure stops the reconnect', () => {
    const { client, clock, network, refuse } = setup();
    client.on('error', () => client.close());
    refuse();
    clock.advance(60_000);
    expect(client.state).toBe('closed');
    expect(network.sockets).toHaveLength(1);
  });
});

describe('reconnect.maxAttempts', () => {
  it('counts failures in a row: reaching ready starts the count again', async () => {
    const { client, clock, network, errors, refuse } = setup({ reconnect: { maxAttempts: 2 } });
    refuse();
    clock.advance(500);
    network.last.accept();
    network.last.deliver(hello());
    await settle();
    network.last.deliver(ready());
    network.last.drop(1006);
    // The drop of a ready connection is no failed attempt; the next two are, and the second is the last.
    clock.advance(500);
    refuse();
    expect(client.state).toBe('reconnecting');
    clock.advance(500);
    refuse();
    expect(client.state).toBe('closed');
    expect(errors.map((error) => error.code)).toEqual([
      'connect_failed',
      'connect_failed',
      'connect_failed',
      'gave_up',
    ]);
    expect(errors.at(-1)?.message).toMatch(/^Gave up after 2 failed connection attempts in a row; the last: Could not/);
    expect(network.sockets).toHaveLength(4);
  });

  it('counts a handshake the server ends before ready, and a getToken that throws', async () => {
    let calls = 0;
    const { client, clock, network, errors } = setup({
      reconnect: { maxAttempts: 2 },
      getToken: () => {
        calls++;
        if (calls === 2) throw new Error('auth service down');
        return 'token';
      },
    });
    network.last.accept();
    network.last.deliver(hello());
    await settle();
    network.last.drop(4000, 'restarting');
    clock.advance(500);
    network.last.accept();
    network.last.deliver(hello());
    await settle();
    expect(client.state).toBe('closed');
    expect(errors.map((error) => [error.code, error.message])).toEqual([
      ['handshake_failed', 'The connection closed before the session was ready (4000: restarting).'],
      ['token_failed', 'getToken() failed.'],
      ['gave_up', 'Gave up after 2 failed connection attempts in a row; the last: getToken() failed.'],
    ]);
  });
});
