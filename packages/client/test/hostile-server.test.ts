import { CLOSE_CODES } from '@gateway/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientOptions, GatewayClientError } from '../src/index';
import {
  chatMessage,
  type FakeSocket,
  fakeClient,
  hello,
  type FakeNetwork as Network,
  ready,
  settle,
} from './fake-socket';
import { watchCrashes } from './helpers';
import type { ManualClock } from './manual-clock';

// A hostile or broken server, played on an in-memory socket with a manual clock: whatever it does, the
// client must not throw into the app, must follow the close verdicts, and must never reconnect in a tight loop.

const MIN_DELAY = 500;
const MAX_DELAY = 30_000;
/** Backoff with random 0.999: just under each ceiling min · 2^(attempt+1), which reaches maxDelayMs at attempt 5. */
const GROWING = [999, 1998, 3996, 7992, 15984, 29970, 29970, 29970, 29970, 29970];

let watcher: ReturnType<typeof watchCrashes>;
beforeEach(() => {
  watcher = watchCrashes();
});
afterEach(() => {
  watcher.stop();
  expect(watcher.crashes).toEqual([]);
});

function setup(options: Partial<ClientOptions> = {}) {
  const { client, clock, network } = fakeClient({
    random: () => 0.999,
    reconnect: { minDelayMs: MIN_DELAY, maxDelayMs: MAX_DELAY },
    ...options,
  });
  const errors: GatewayClientError[] = [];
  const delays: { attempt: number; delay_ms: number }[] = [];
  /** When each connection attempt started, on the clock. */
  const attempts: number[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('reconnecting', (scheduled) => delays.push(scheduled));
  client.on('state', ({ to }) => {
    if (to === 'connecting') attempts.push(clock.now());
  });
  if (client.state === 'connecting') attempts.push(clock.now());
  return { client, clock, network, errors, delays, attempts };
}

async function handshake(network: Network, sessionId = 's1'): Promise<FakeSocket> {
  const socket = network.last;
  socket.accept();
  socket.deliver(hello());
  await settle();
  if (socket.sent[0]?.type === 'resume') socket.deliver({ type: 'invalid_session', payload: { resumable: false } });
  socket.deliver(ready(sessionId));
  return socket;
}

/** Runs the scheduled reconnect, checking it does not come a millisecond early. */
function runReconnect(clock: ManualClock, network: Network, delayMs: number): void {
  const before = network.sockets.length;
  clock.advance(delayMs - 1);
  expect(network.sockets).toHaveLength(before);
  clock.advance(1);
  expect(network.sockets).toHaveLength(before + 1);
}

/** No two connection attempts closer than minDelayMs. */
function expectSpaced(attempts: readonly number[]): void {
  for (let i = 1; i < attempts.length; i++) {
    expect((attempts[i] ?? 0) - (attempts[i - 1] ?? 0)).toBeGreaterThanOrEqual(MIN_DELAY);
  }
}

const CAP = 4096;
const deep = (depth: number) => `{"type":"chat.message","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** Each frame is dropped with one `error` event of `code`; `detail` is the reason the connection gave. */
const BAD_FRAMES: { name: string; data: unknown; code: string; detail: string }[] = [
  { name: 'text that is not JSON', data: '{not json', code: 'invalid_frame', detail: 'invalid_json' },
  { name: 'an empty text frame', data: '', code: 'invalid_frame', detail: 'invalid_json' },
  { name: 'a JSON array', data: '[1,2,3]', code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'a JSON string', data: '"hello"', code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'a JSON number', data: '42', code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'JSON null', data: 'null', code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'an object without type', data: '{"payload":{}}', code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'a numeric type', data: '{"type":5}', code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'an unknown type', data: '{"type":"no.such","payload":{}}', code: 'invalid_frame', detail: 'unknown_type' },
  {
    name: 'a known type breaking its schema',
    data: '{"type":"chat.message","seq":1,"payload":{"content":42}}',
    code: 'invalid_frame',
    detail: 'invalid_frame',
  },
  {
    name: 'an error frame breaking its schema',
    data: '{"type":"error","ref":"r1","payload":{"code":"rate_limited","retry_after_ms":-5}}',
    code: 'invalid_frame',
    detail: 'invalid_frame',
  },
  {
    name: 'a __proto__ payload',
    data: '{"type":"chat.message","seq":1,"__proto__":{"polluted":1},"payload":{"__proto__":{"polluted":1}}}',
    code: 'invalid_frame',
    detail: 'invalid_frame',
  },
  { name: 'deeply nested JSON', data: deep(1000), code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'a second hello', data: JSON.stringify(hello(1)), code: 'invalid_frame', detail: 'invalid_frame' },
  { name: 'a binary ArrayBuffer', data: new ArrayBuffer(8), code: 'invalid_frame', detail: 'binary_unsupported' },
  { name: 'a binary Uint8Array', data: new Uint8Array(8), code: 'invalid_frame', detail: 'binary_unsupported' },
  { name: 'no data at all', data: undefined, code: 'invalid_frame', detail: 'binary_unsupported' },
  { name: 'text over the cap', data: 'x'.repeat(CAP + 1), code: 'frame_too_large', detail: 'frame_too_large' },
  {
    name: 'a valid frame over the cap',
    data: JSON.stringify(chatMessage(1, 'y'.repeat(CAP))),
    code: 'frame_too_large',
    detail: 'frame_too_large',
  },
  { name: 'binary over the cap', data: new Uint8Array(CAP + 1), code: 'frame_too_large', detail: 'frame_too_large' },
  { name: 'deep nesting over the cap', data: deep(100_000), code: 'frame_too_large', detail: 'frame_too_large' },
];

describe('a server sending bad frames', () => {
  it.each(BAD_FRAMES)('drops $name with an error and carries on', async ({ data, code, detail }) => {
    const { client, network, errors } = setup({ maxIncomingFrameBytes: CAP });
    const socket = await handshake(network);
    const seen: string[] = [];
    client.on('chat.message', (m) => seen.push(m.content));
    expect(() => socket.deliverRaw(data)).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'GatewayClientError', code, details: { code: detail } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    socket.deliver(chatMessage(1, 'fine'));
    expect(seen).toEqual(['fine']);
    expect(client.state).toBe('ready');
    expect(socket.closedWith).toBeUndefined();
    client.close();
  });

  it('reads deeply nested JSON under the default cap without throwing', async () => {
    const { client, network, errors } = setup();
    const socket = await handshake(network);
    expect(() => socket.deliver(deep(300_000))).not.toThrow();
    expect(errors).toMatchObject([{ code: 'invalid_frame' }]);
    expect(client.state).toBe('ready');
    client.close();
  });

  it('gives the connection up (4000) after 20 bad frames within 10 s, and reconnects with backoff', async () => {
    const { client, clock, network, errors, delays } = setup();
    const socket = await handshake(network);
    for (let i = 0; i < 19; i++) socket.deliver('garbage');
    expect(socket.closedWith).toBeUndefined();
    clock.advance(9_999);
    socket.deliver('garbage');
    expect(socket.closedWith?.code).toBe(4000);
    expect(errors).toHaveLength(20);
    expect(client.state).toBe('reconnecting');
    expect(delays).toEqual([{ attempt: 0, delay_ms: 999 }]);
    client.close();
  });

  it('keeps a connection whose bad frames stay under 20 per 10 s', async () => {
    const { client, clock, network, errors } = setup();
    const socket = await handshake(network);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 19; i++) socket.deliver('garbage');
      clock.advance(10_000);
    }
    expect(errors).toHaveLength(95);
    expect(socket.closedWith).toBeUndefined();
    expect(client.state).toBe('ready');
    client.close();
  });

  it('backs off further each time a server floods every new connection with bad frames', async () => {
    const { client, clock, network, delays, attempts } = setup();
    for (let round = 0; round < 6; round++) {
      const socket = await handshake(network, `s${round}`);
      for (let i = 0; i < 20; i++) socket.deliverRaw(new Uint8Array(4));
      expect(socket.closedWith?.code).toBe(4000);
      runReconnect(clock, network, delays.at(-1)?.delay_ms ?? 0);
    }
    expect(delays.map((d) => d.delay_ms)).toEqual(GROWING.slice(0, 6));
    expectSpaced(attempts);
    client.close();
  });

  it('keeps a hostile heartbeat_interval from making the client beat in a tight loop', async () => {
    const { client, clock, network } = setup();
    const socket = network.last;
    socket.accept();
    socket.deliver(hello(1));
    await settle();
    socket.deliver(ready());
    for (let ms = 0; ms < 1000; ms += 10) {
      clock.advance(10);
      socket.deliver({ type: 'heartbeat_ack' });
    }
    expect(socket.sentOfType('heartbeat').length).toBeLessThanOrEqual(11);
    client.close();
  });
});

/** What a server that never finishes the handshake does with each new socket. */
const STALLS: { name: string; play: (socket: FakeSocket) => Promise<void> }[] = [
  { name: 'never opens the socket', play: async () => {} },
  { name: 'opens the socket but never says hello', play: async (socket) => socket.accept() },
  {
    name: 'says hello but never answers identify',
    play: async (socket) => {
      socket.accept();
      socket.deliver(hello());
      await settle();
    },
  },
  {
    name: 'says hello, answers resume with invalid_session, then never answers identify',
    play: async (socket) => {
      socket.accept();
      socket.deliver(hello());
      await settle();
      socket.deliver({ type: 'invalid_session', payload: { resumable: false } });
    },
  },
];

describe('a server that never finishes the handshake', () => {
  it('drops frames that come before hello, so no session starts without heartbeats', async () => {
    const { client, network, errors } = setup();
    const socket = network.last;
    socket.accept();
    socket.deliver(ready());
    socket.deliver({ type: 'heartbeat' });
    expect(errors.map((error) => error.message)).toEqual(['"ready" before hello.', '"heartbeat" before hello.']);
    expect(client.state).toBe('connecting');
    expect(socket.sent).toEqual([]);
    client.close();
  });

  it.each(STALLS)('gives up after requestTimeoutMs when it $name, and backs off', async ({ play }) => {
    const { client, clock, network, delays, attempts } = setup({ requestTimeoutMs: 2000 });
    for (let round = 0; round < 6; round++) {
      const socket = network.last;
      await play(socket);
      // Measured from when the socket was made, or from hello on.
      clock.advance(1999);
      expect(socket.closedWith).toBeUndefined();
      clock.advance(1);
      expect(socket.closedWith?.code).toBe(4000);
      expect(client.state).toBe('reconnecting');
      runReconnect(clock, network, delays.at(-1)?.delay_ms ?? 0);
    }
    expect(delays.map((d) => d.delay_ms)).toEqual(GROWING.slice(0, 6));
    expectSpaced(attempts);
    client.close();
    expect(clock.pending).toBe(0);
  });

  it('gives up on a resume that is never answered', async () => {
    const { client, clock, network } = setup({ requestTimeoutMs: 2000 });
    (await handshake(network)).drop(1006);
    clock.advance(999);
    const socket = network.last;
    socket.accept();
    socket.deliver(hello());
    await settle();
    expect(socket.sent[0]?.type).toBe('resume');
    clock.advance(2000);
    expect(socket.closedWith?.code).toBe(4000);
    expect(client.state).toBe('reconnecting');
    client.close();
  });
});

type Verdict = 'resume' | 'reidentify' | 'refresh_token' | 'fatal';

/** Every close code the protocol names, the WebSocket codes a server may use, and unknown codes of each range. */
const CLOSES: { code: number; verdict: Verdict }[] = [
  ...Object.values(CLOSE_CODES).map(({ code, verdict }) => ({ code, verdict })),
  { code: 1000, verdict: 'resume' },
  { code: 1001, verdict: 'resume' },
  { code: 1006, verdict: 'resume' },
  { code: 1008, verdict: 'fatal' },
  // What ws itself closes with past its maxPayload, and the server after repeated oversize frames.
  { code: 1009, verdict: 'resume' },
  { code: 1011, verdict: 'resume' },
  { code: 4050, verdict: 'resume' },
  { code: 4150, verdict: 'reidentify' },
  { code: 4250, verdict: 'refresh_token' },
  { code: 4350, verdict: 'fatal' },
];

describe('a server that closes every connection with the same code', () => {
  it.each(CLOSES)('follows the verdict of $code ($verdict)', async ({ code, verdict }) => {
    let tokens = 0;
    const { client, clock, network, errors, delays, attempts } = setup({ getToken: () => `t${++tokens}` });
    const first = await handshake(network);
    first.drop(code, 'bye');
    if (verdict === 'fatal') {
      expect(client.state).toBe('closed');
      expect(errors).toMatchObject([{ code: 'fatal_close', closeCode: code }]);
      clock.advance(600_000);
      expect(network.sockets).toHaveLength(1);
      expect(clock.pending).toBe(0);
      return;
    }
    // Nine more connections, each closed right after the client's identify or resume.
    for (let round = 1; round < 10; round++) {
      runReconnect(clock, network, delays.at(-1)?.delay_ms ?? 0);
      const socket = network.last;
      socket.accept();
      socket.deliver(hello());
      await settle();
      const opening = socket.sent[0];
      expect(opening?.type).toBe(verdict === 'reidentify' ? 'identify' : 'resume');
      if (opening?.type === 'resume') expect(opening.payload?.session_id).toBe('s1');
      // Each handshake asks getToken: a refresh_token close is followed by a fresh token.
      expect(opening?.payload?.token).toBe(`t${round + 1}`);
      socket.drop(code, 'bye');
      expect(client.state).toBe('reconnecting');
    }
    // Each attempt that ended before ready said so (the first reached ready: its close is no failure).
    expect(errors.map((error) => [error.code, error.closeCode, error.message])).toEqual(
      Array.from({ length: 9 }, () => [
        'handshake_failed',
        code,
        `The connection closed before the session was ready (${code}: bye).`,
      ]),
    );
    expect(delays).toEqual(GROWING.map((delay_ms, attempt) => ({ attempt, delay_ms })));
    expectSpaced(attempts);
    client.close();
  });

  it('stops on 4200 when there is no getToken to refresh the token with', async () => {
    const { client, network, errors } = setup({ token: 'static' });
    (await handshake(network)).drop(4200);
    expect(client.state).toBe('closed');
    expect(errors).toMatchObject([{ code: 'fatal_close', closeCode: 4200 }]);
  });

  it('keeps jittered delays within the growing ceiling, never under minDelayMs', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const { client, clock, network, delays, attempts } = setup({ random });
    for (let round = 0; round < 12; round++) {
      network.last.accept();
      network.last.drop(1006);
      runReconnect(clock, network, delays.at(-1)?.delay_ms ?? 0);
    }
    delays.forEach(({ attempt, delay_ms }, i) => {
      expect(attempt).toBe(i);
      expect(delay_ms).toBeGreaterThanOrEqual(MIN_DELAY);
      expect(delay_ms).toBeLessThanOrEqual(Math.min(MAX_DELAY, MIN_DELAY * 2 ** (attempt + 1)));
    });
    expectSpaced(attempts);
    client.close();
  });

  it('honours one quick server-paced reconnect, then backs off a server that keeps asking', async () => {
    const { client, clock, network, delays, attempts } = setup();
    for (let round = 0; round < 5; round++) {
      const socket = await handshake(network, `s${round}`);
      socket.deliver({ type: 'reconnect', payload: { after_ms: 0, jitter_ms: 0 } });
      expect(socket.closedWith?.code).toBe(4000);
      const delay = delays.at(-1)?.delay_ms ?? 0;
      if (delay === 0) clock.advance(0);
      else runReconnect(clock, network, delay);
    }
    expect(delays.map((d) => d.delay_ms)).toEqual([0, ...GROWING.slice(0, 4)]);
    expectSpaced(attempts.slice(1));
    client.close();
  });

  it('caps a server-paced delay at maxDelayMs', async () => {
    const { client, network, delays } = setup();
    const socket = await handshake(network);
    socket.deliver({ type: 'reconnect', payload: { after_ms: 2 ** 40, jitter_ms: 0 } });
    expect(delays).toEqual([{ attempt: 0, delay_ms: MAX_DELAY }]);
    client.close();
  });
});

describe('a server event type this client does not know', () => {
  it('is forward compatibility, not hostility: reported once per type, kept in the seq order, never a reconnect', async () => {
    const { client, network, errors, delays } = setup();
    const socket = await handshake(network);
    const contents: string[] = [];
    const gaps: unknown[] = [];
    client.on('chat.message', (message) => contents.push(message.content));
    client.on('gap', (gap) => gaps.push(gap));

    // Thirty unknown sequenced frames between known ones: more than the bad-frame limit (20 in 10 s).
    let seq = 0;
    for (let i = 0; i < 30; i++) {
      socket.deliver(chatMessage(++seq));
      socket.deliver({ type: i % 2 === 0 ? 'app.newer' : 'feature.from_the_future', seq: ++seq, payload: { i } });
    }
    socket.deliver({ type: 'app.unsequenced', payload: {} });
    socket.deliver(chatMessage(++seq));
    await settle();

    expect(client.state).toBe('ready');
    expect(delays).toEqual([]);
    expect(gaps).toEqual([]);
    expect(contents).toEqual(Array.from({ length: 31 }, (_, k) => `m${k === 30 ? seq : 2 * k + 1}`));
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining('app.newer'),
      expect.stringContaining('feature.from_the_future'),
      expect.stringContaining('app.unsequenced'),
    ]);
    // The heartbeat reports the unknown frames' seqs as seen, so the server may trim them.
    client.close();
  });
});
