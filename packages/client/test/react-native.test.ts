import { afterEach, describe, expect, it } from 'vitest';
import { NetworkProxy } from '../../testkit/src/network-proxy';
import { createClient, type GatewayClient, type LifecycleEvent } from '../src/node';
import { reactNativeLifecycle } from '../src/react-native';
import { fakePlatform, offline, online } from './fake-react-native';
import { FakeServer } from './fake-server';
import { nextEvent, reachState } from './helpers';
import { ManualClock } from './manual-clock';

describe('reactNativeLifecycle: the mapping', () => {
  it.each([
    { states: ['background', 'active'], events: ['background', 'foreground'] },
    // iOS's inactive (app switcher, a call) is neither; the return from it to active is a return all the same.
    { states: ['inactive', 'active'], events: ['foreground'] },
    { states: ['inactive', 'background', 'inactive', 'active'], events: ['background', 'foreground'] },
    // Android reports some states twice; the app was in front already at subscribe time.
    { states: ['active', 'background', 'background', 'active', 'active'], events: ['background', 'foreground'] },
    { states: ['unknown', 'extension'], events: [] },
  ])('AppState $states → $events', ({ states, events }) => {
    const platform = fakePlatform('active');
    const seen: LifecycleEvent[] = [];
    reactNativeLifecycle(platform).subscribe((event) => seen.push(event));
    for (const state of states) platform.setAppState(state);
    expect(seen).toEqual(events);
  });

  it.each([
    { reports: [online], events: ['online'] },
    { reports: [online, { ...online, type: 'cellular' }, online], events: ['online'] },
    { reports: [online, offline, online], events: ['online', 'offline', 'online'] },
    // Connected to a network that does not reach the internet (a captive portal) is offline.
    { reports: [online, { isConnected: true, isInternetReachable: false }], events: ['online', 'offline'] },
    // Reachability not known yet (null, or absent on older NetInfo) leaves the decision to isConnected.
    { reports: [{ isConnected: true, isInternetReachable: null }, { isConnected: true }], events: ['online'] },
    { reports: [{ isConnected: null, isInternetReachable: null }], events: [] },
  ])('NetInfo $reports → $events', ({ reports, events }) => {
    const platform = fakePlatform();
    const seen: LifecycleEvent[] = [];
    reactNativeLifecycle(platform).subscribe((event) => seen.push(event));
    for (const report of reports) platform.netInfo.emit(report);
    expect(seen).toEqual(events);
  });

  it('unsubscribing removes its AppState and NetInfo listeners, and terminate reaches only subscribers', () => {
    const platform = fakePlatform();
    const lifecycle = reactNativeLifecycle(platform);
    const first: LifecycleEvent[] = [];
    const second: LifecycleEvent[] = [];
    const stopFirst = lifecycle.subscribe((event) => first.push(event));
    const stopSecond = lifecycle.subscribe((event) => second.push(event));
    expect([platform.appState.listening, platform.netInfo.listening]).toEqual([2, 2]);

    stopFirst();
    expect([platform.appState.listening, platform.netInfo.listening]).toEqual([1, 1]);
    platform.setAppState('background');
    lifecycle.terminate();
    expect(first).toEqual([]);
    expect(second).toEqual(['background', 'terminate']);

    stopSecond();
    expect([platform.appState.listening, platform.netInfo.listening]).toEqual([0, 0]);
  });

  it('works without NetInfo', () => {
    const { AppState, setAppState } = fakePlatform();
    const seen: LifecycleEvent[] = [];
    const stop = reactNativeLifecycle({ AppState }).subscribe((event) => seen.push(event));
    setAppState('background');
    stop();
    setAppState('active');
    expect(seen).toEqual(['background']);
  });
});

// The client with the adapter over real sockets: the scriptable fake gateway (which keeps each session's
// dispatches for a resume) behind a loopback proxy that can stall or cut the connection. The client's clock is
// manual: a suspended app is `jump` (time passes, no timer runs).
describe('reactNativeLifecycle: the client in and out of the foreground', () => {
  let server: FakeServer | undefined;
  let proxy: NetworkProxy | undefined;
  const clients: GatewayClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await proxy?.close();
    await server?.close();
  });

  async function setup() {
    server = await FakeServer.start({ resume: 'replay' }); // heartbeat interval 30 s
    const clock = new ManualClock();
    proxy = await NetworkProxy.start(Number(new URL(server.url).port), clock);
    const platform = fakePlatform('active');
    const lifecycle = reactNativeLifecycle(platform);
    const client = createClient({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      userId: 'alice',
      rooms: ['r1'],
      clock,
      random: () => 0, // reconnects after exactly 500 ms
      lifecycle,
    });
    clients.push(client);
    const received: string[] = [];
    client.on('chat.message', (message) => received.push(message.content));
    await client.ready();
    const peer = await server.peer(0);
    return { client, clock, proxy, peer, platform, lifecycle, received };
  }

  const message = (content: string) => ({
    message_id: content,
    room_id: 'r1',
    sender_id: 'bob',
    client_msg_id: content,
    kind: 'text',
    content,
    created_at: '2025-01-01T00:00:00.000Z',
  });

  it('back in the foreground after the heartbeat deadline on a dead socket: resumes with nothing lost', async () => {
    const { client, clock, proxy, peer, platform, received } = await setup();
    const first = nextEvent(client, 'chat.message');
    peer.dispatch('chat.message', message('m1'));
    await first;

    // The app leaves the screen and the OS suspends it; its socket dies without a word (nothing passes, both
    // ends stay open), and two messages go out to it meanwhile.
    platform.setAppState('background');
    proxy.stall();
    peer.dispatch('chat.message', message('m2'));
    peer.dispatch('chat.message', message('m3'));
    clock.jump(60_000); // t=60 s suspended: past 30 s + 5 s of grace, and no timer ran
    expect(client.state).toBe('ready'); // to the client the socket still looks open

    // Back in front: the client checks the socket on the clock, gives it up and schedules a reconnect.
    platform.setAppState('active');
    expect(client.state).toBe('reconnecting');
    const resumed = nextEvent(client, 'resumed');
    clock.advance(500); // t=60.5 s: the reconnect, through a connection that works
    expect(await resumed).toEqual({ session_id: 'session-1', replayed: 2 });
    expect(received).toEqual(['m1', 'm2', 'm3']);
    expect(client.sessionId).toBe('session-1');
  });

  it('back in the foreground within the deadline: the connection is kept', async () => {
    const { client, clock, peer, platform, received } = await setup();
    platform.setAppState('background');
    clock.jump(20_000); // t=20 s suspended: short of 30 s + 5 s
    platform.setAppState('active');
    expect(client.state).toBe('ready');
    const next = nextEvent(client, 'chat.message');
    peer.dispatch('chat.message', message('m1'));
    await next;
    expect(received).toEqual(['m1']);
    expect(server?.peers).toHaveLength(1);
  });

  it('network lost and back: reconnects as soon as NetInfo says online, then resumes', async () => {
    const { client, clock, proxy, peer, platform, received } = await setup();
    platform.netInfo.emit(online);

    platform.netInfo.emit(offline);
    proxy.cut(); // the connection drops and nothing new gets through
    await reachState(client, 'reconnecting');
    await peer.whenClosed();
    peer.dispatch('chat.message', message('m1')); // kept for the resume
    const failed = nextEvent(client, 'error');
    clock.advance(500); // t=0.5 s: an attempt while offline fails
    expect((await failed).code).toBe('connect_failed');
    await reachState(client, 'reconnecting');

    // The network is back: NetInfo's report sends the client now, not after its backoff on the clock.
    const resumed = nextEvent(client, 'resumed');
    const before = clock.now();
    proxy.restore();
    platform.netInfo.emit(online);
    expect(client.state).toBe('connecting');
    expect(await resumed).toEqual({ session_id: 'session-1', replayed: 1 });
    expect(clock.now()).toBe(before);
    expect(received).toEqual(['m1']);
  });

  it('terminate closes cleanly (1000, which ends the session) and stops listening to the platform', async () => {
    const { client, peer, platform, lifecycle } = await setup();
    expect(platform.appState.listening).toBe(1);
    lifecycle.terminate();
    expect(client.state).toBe('closed');
    expect(await peer.whenClosed()).toEqual({ code: 1000, reason: 'client closed' });
    expect([platform.appState.listening, platform.netInfo.listening]).toEqual([0, 0]);
  });
});
