import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../src/index';
import { createClient as createNodeClient } from '../src/node';
import { FakeNetwork } from './fake-socket';

// Setup mistakes throw at once, with a message that says what to write instead.

afterEach(() => {
  vi.unstubAllGlobals();
});

const create = (url: string) => createClient({ url, WebSocket: new FakeNetwork().WebSocket, autoConnect: false });

describe('createClient refuses a URL that cannot work', () => {
  it.each([
    ['localhost:8081', 'did you mean "ws://localhost:8081"?'],
    ['127.0.0.1:8081/ws', 'did you mean "ws://127.0.0.1:8081/ws"?'],
    ['http://localhost:8081/ws', 'did you mean "ws://localhost:8081/ws"?'],
    ['https://chat.example.com/ws', 'did you mean "wss://chat.example.com/ws"?'],
    ['ftp://example.com/ws', 'e.g. "ws://127.0.0.1:8081/ws".'],
    ['/ws', 'e.g. "ws://127.0.0.1:8081/ws".'],
    ['', 'e.g. "ws://127.0.0.1:8081/ws".'],
  ])('%j: a TypeError that says %s', (url, fix) => {
    expect(() => create(url)).toThrow(TypeError);
    expect(() => create(url)).toThrow(`options.url must be a ws:// or wss:// URL, not "${url}": ${fix}`);
  });

  it.each(['ws://127.0.0.1:8081/ws', 'wss://chat.example.com/gateway?v=1', 'WS://LOCALHOST:1'])('accepts %j', (url) => {
    expect(create(url).state).toBe('idle');
  });
});

describe('the WebSocket', () => {
  it('the default entry without a global WebSocket and without options.WebSocket: a TypeError naming both fixes', () => {
    vi.stubGlobal('WebSocket', undefined);
    expect(() => createClient({ url: 'ws://127.0.0.1:1/ws', autoConnect: false })).toThrow(
      new TypeError('No WebSocket in this runtime: pass options.WebSocket (Node 20: npm install ws).'),
    );
  });

  it('the Node entry falls back to ws, even without a global WebSocket', () => {
    vi.stubGlobal('WebSocket', undefined);
    const client = createNodeClient({ url: 'ws://127.0.0.1:1/ws', autoConnect: false });
    expect(client.state).toBe('idle');
  });

  it('options.WebSocket wins in both entries', () => {
    const network = new FakeNetwork();
    createNodeClient({ url: 'ws://127.0.0.1:1/ws', WebSocket: network.WebSocket }).close();
    createClient({ url: 'ws://127.0.0.1:2/ws', WebSocket: network.WebSocket }).close();
    expect(network.sockets.map((socket) => socket.url)).toEqual(['ws://127.0.0.1:1/ws', 'ws://127.0.0.1:2/ws']);
  });
});
