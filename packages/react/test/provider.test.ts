import type { ClientOptions, GatewayClient } from '@gateway/client';
import { act, render, screen, waitFor } from '@testing-library/react/pure';
import { createElement as h, type ReactElement, StrictMode, useState } from 'react';
import { hydrateRoot, type Root } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { GatewayProvider, useClient, useConnection, useEvent, useRoom } from '../src/index';
import { App } from './app';
import { events, Ping } from './app-events';
import { ManualClock, nextEvent, renderWith, startGateway, testClient, wire, within } from './helpers';

function Status(): ReactElement {
  const { state, error } = useConnection();
  return h('p', { 'data-testid': 'state' }, error === undefined ? state : `${state} ${error.code}`);
}

/** The page under a provider that makes its own client from `options`, in StrictMode. */
const page = (options: ClientOptions, child: ReactElement) =>
  h(StrictMode, null, h(GatewayProvider, { options }, child));

const shownState = () => screen.getByTestId('state').textContent;

/** Holds the lobby and shows the connection; hands the provider's client to the test. */
function Probe({ seen }: { seen: { client?: GatewayClient | null } }): ReactElement {
  seen.client = useClient();
  useRoom('lobby');
  return h(Status);
}

/** Records app.ping by name (with a handler that changes on each call) and by definition, and `ready`. */
function Listener({ seen }: { seen: string[] }): null {
  const [prefix, setPrefix] = useState('first');
  useEvent('app.ping', (payload) => {
    seen.push(`${prefix} ${payload.n}`);
    setPrefix('second');
  });
  useEvent(Ping, (payload) => seen.push(`by definition ${payload.n}`));
  useEvent('state', ({ to }) => to === 'ready' && seen.push('ready'));
  return null;
}

describe('useConnection', () => {
  it('follows the client through connecting, ready, a dropped socket and the resume', async () => {
    const server = await startGateway();
    const { client, clock, wire: tracked } = testClient(server, 'alice', { autoConnect: false });
    renderWith(client, h(Status));
    expect(shownState()).toBe('idle');
    act(() => client.connect());
    await waitFor(() => expect(shownState()).toBe('ready'));
    const reconnect = nextEvent(client, 'reconnecting');
    tracked.cut();
    const { delay_ms: delay } = await reconnect;
    expect(shownState()).toBe('reconnecting');
    act(() => clock.advance(delay));
    await waitFor(() => expect(shownState()).toBe('ready'));
  });

  it('shows why the last attempt failed, until the client is ready again', async () => {
    // Nothing listens on the port of a server that has stopped: every attempt fails with connect_failed.
    const stopped = await startGateway();
    await stopped.close();
    const { client, clock } = testClient(stopped, 'alice');
    renderWith(client, h(Status));
    await waitFor(() => expect(shownState()).toBe('reconnecting connect_failed'));
    act(() => client.close());
    expect(shownState()).toBe('closed connect_failed');
    clock.advance(60_000);
    expect(shownState()).toBe('closed connect_failed');
  });
});

describe('GatewayProvider', () => {
  it('with options: makes one client and one socket under StrictMode, connects it, and closes it on unmount', async () => {
    const server = await startGateway();
    const tracked = wire();
    const seen: { client?: GatewayClient | null } = {};
    const options = { url: server.wsUrl, userId: 'alice', WebSocket: tracked.WebSocket, clock: new ManualClock() };
    const { unmount } = render(page(options, h(Probe, { seen })));
    await waitFor(() => expect(shownState()).toBe('ready'));
    await waitFor(() => expect(server.gateway.room('lobby').online_users).toEqual(['alice']));
    expect(tracked.sockets).toHaveLength(1);
    expect(tracked.count('subscribe')).toBe(1);

    unmount();
    await waitFor(() => expect(server.gateway.stats().connections).toBe(0));
    expect(seen.client?.state).toBe('closed');
  });

  it('hydrates what a server rendered without a mismatch, then connects and subscribes', async () => {
    const server = await startGateway();
    const tracked = wire();
    const lines = (container: HTMLElement) => Array.from(container.querySelectorAll('li'), (li) => li.textContent);
    const container = document.createElement('div');
    // What the server sent: every hook's initial state (made here with no socket: effects never run in it).
    container.innerHTML = renderToString(
      h(GatewayProvider, { options: { url: 'ws://127.0.0.1:1/ws' } }, h(App, { room: 'lobby' })),
    );
    const served = lines(container);
    document.body.append(container);

    const options = { url: server.wsUrl, userId: 'alice', WebSocket: tracked.WebSocket, clock: new ManualClock() };
    const app = page(options, h(App, { room: 'lobby' }));
    // A mismatch would be reported on the console, which fails the test.
    let root: Root | undefined;
    act(() => {
      root = hydrateRoot(container, app);
    });
    await waitFor(() =>
      expect(lines(container)).toEqual([
        'state: ready',
        'room: subscribed',
        'messages: 0, loaded: true',
        'members: 1, stale: false',
        'typing: nobody',
      ]),
    );
    expect(served).toEqual([
      'state: idle',
      'room: subscribing',
      'messages: 0, loaded: false',
      'members: 0, stale: true',
      'typing: nobody',
    ]);
    expect(tracked.sockets).toHaveLength(1);
    act(() => root?.unmount());
    container.remove();
    await waitFor(() => expect(server.gateway.stats().connections).toBe(0));
  });

  it('with a client: neither connects nor closes it', async () => {
    const server = await startGateway();
    const { client } = testClient(server, 'alice', { autoConnect: false });
    const { unmount } = renderWith(client, h(Status));
    await Promise.resolve();
    expect(client.state).toBe('idle');
    client.connect();
    await within(client.ready(), 'ready');
    unmount();
    await Promise.resolve();
    expect(client.state).toBe('ready');
  });

  it('tells a hook outside a provider what to wrap it in', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderToString(h(Status))).toThrow(/useConnection\(\) needs a <GatewayProvider> above it/);
    errors.mockRestore();
  });
});

describe('useEvent', () => {
  it('calls the latest handler with each event, typed from the registered events, until unmount', async () => {
    const server = await startGateway({ events });
    const { client } = testClient(server, 'alice', { events });
    const seen: string[] = [];
    const { unmount } = renderWith(client, h(Listener, { seen }));
    await waitFor(() => expect(seen).toEqual(['ready']));
    server.gateway.broadcast('app.ping', { n: 1 });
    await waitFor(() => expect(seen).toEqual(['ready', 'first 1', 'by definition 1']));
    server.gateway.broadcast('app.ping', { n: 2 });
    await waitFor(() => expect(seen).toHaveLength(5));
    expect(seen.slice(3)).toEqual(['second 2', 'by definition 2']);

    unmount();
    const after = nextEvent(client, 'app.ping');
    server.gateway.broadcast('app.ping', { n: 3 });
    await after;
    expect(seen).toHaveLength(5);
  });
});
