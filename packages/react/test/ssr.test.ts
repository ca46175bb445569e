// @vitest-environment node
import { createClient, type WebSocketConstructor } from '@gateway/client';
import { Fragment, createElement as h, type ReactElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { GatewayProvider, useClient } from '../src/index';
import { App } from './app';

// A server: Node with no `window`. Nothing may connect, and every hook renders its initial state.

function ClientProbe(): ReactElement {
  const client = useClient();
  return h('p', null, `client: ${client === null ? 'none' : client.state}`);
}

/** Every hook, and the client the provider gives them. */
const app = h(Fragment, null, h(App, { room: 'lobby' }), h(ClientProbe));

/** A WebSocket that counts how often it is constructed, and refuses to be. */
function countingWebSocket(): { WebSocket: WebSocketConstructor; made: () => number } {
  let made = 0;
  class Counting {
    constructor() {
      made++;
      throw new Error('no socket may be opened while rendering on a server');
    }
  }
  return { WebSocket: Counting as unknown as WebSocketConstructor, made: () => made };
}

describe('server rendering', () => {
  it('with options: makes no client and no socket; the hooks render their initial state', () => {
    expect(typeof window).toBe('undefined');
    const counting = countingWebSocket();
    const options = { url: 'ws://127.0.0.1:1/ws', userId: 'alice', WebSocket: counting.WebSocket };
    const html = renderToString(h(GatewayProvider, { options }, app));
    expect(counting.made()).toBe(0);
    expect(html).toContain('state: idle');
    expect(html).toContain('room: subscribing');
    expect(html).toContain('messages: 0, loaded: false');
    expect(html).toContain('members: 0, stale: true');
    expect(html).toContain('typing: nobody');
    expect(html).toContain('client: none');
  });

  it('with a client: neither connects it nor subscribes anything', () => {
    const counting = countingWebSocket();
    const client = createClient({ url: 'ws://127.0.0.1:1/ws', WebSocket: counting.WebSocket, autoConnect: false });
    const subscribe = vi.spyOn(client, 'subscribe');
    const html = renderToString(h(GatewayProvider, { client }, app));
    expect(counting.made()).toBe(0);
    expect(subscribe).not.toHaveBeenCalled();
    expect(client.state).toBe('idle');
    expect(html).toContain('room: subscribing');
    expect(html).toContain('client: idle');
  });
});
