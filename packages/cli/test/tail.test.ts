import { describe, expect, it } from 'vitest';
import { readyUser, startGateway } from './helpers/gateway';
import { runUntilStopped, testIo } from './helpers/io';
import { ManualClock } from './helpers/manual-clock';
import { startRelay } from './helpers/relay';

const has = (text: string) => (line: string) => line.includes(text);

/** The JSON lines of `tail --json`, parsed. */
interface Event {
  time: string;
  event: string;
  room?: string;
  data: Record<string, unknown>;
}
const parse = (line: string) => JSON.parse(line) as Event;
const jsonEvent =
  (name: string, where: (event: Event) => boolean = () => true) =>
  (line: string) => {
    const event = parse(line);
    return event.event === name && where(event);
  };

describe('gateway tail', () => {
  it('prints what another user does in the room, one line each with the time and the room', async () => {
    const server = await startGateway();
    const t = testIo();
    const exit = runUntilStopped(['tail', 'lobby', '--url', server.wsUrl, '--user', 'watcher'], t);
    await t.nextLine(has(`connected to ${server.wsUrl} as watcher`), 'the ready line');

    const alice = await readyUser(server, 'alice', ['lobby']);
    await t.nextLine(has('#lobby  + alice (online)'), 'alice joining');
    // tail joined invisible: alice does not see it.
    expect(alice.presence.get('watcher')).toBeUndefined();
    alice.startTyping('lobby');
    await t.nextLine(has('#lobby  alice is typing'), 'alice typing');
    const { message_id } = await alice.sendMessage('lobby', 'hello from alice');
    await t.nextLine((line) => line.endsWith('#lobby  alice: hello from alice'), "alice's message");
    await alice.editMessage('lobby', message_id, 'hello, edited');
    await t.nextLine((line) => line.endsWith(`#lobby  edited ${message_id}: hello, edited`), 'the edit');
    await alice.deleteMessage('lobby', message_id);
    await t.nextLine((line) => line.endsWith(`#lobby  deleted ${message_id}`), 'the delete');
    await alice.setPresence('idle');
    await t.nextLine(has('#lobby  ~ alice is idle'), 'the presence update');
    alice.close();
    await t.nextLine(has('#lobby  - alice left'), 'alice leaving');

    t.interrupt();
    expect(await exit).toBe(0);
    expect(t.stderr()).toBe('');
    for (const line of t.lines()) expect(line).toMatch(/^\d\d:\d\d:\d\d {2}\S/);
  });

  it('--json prints one JSON object per line, with the time, the event, the room and the data', async () => {
    const server = await startGateway();
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0));
    const t = testIo({ clock });
    const exit = runUntilStopped(['tail', 'lobby', '--url', server.wsUrl, '--user', 'watcher', '--json'], t);
    const ready = parse(await t.nextLine(jsonEvent('ready'), 'the ready event'));
    expect(ready).toMatchObject({
      time: '2026-12-05T12:00:00.000Z',
      data: { url: server.wsUrl, user: { id: 'watcher' }, subscriptions: ['lobby'], refused: [] },
    });
    const bob = await readyUser(server, 'bob', ['lobby']);
    await bob.sendMessage('lobby', 'in json');
    const message = parse(await t.nextLine(jsonEvent('chat.message'), 'the message'));
    expect(message).toMatchObject({ room: 'lobby', data: { sender_id: 'bob', content: 'in json' } });
    expect(message.time).toBe(message.data.created_at);

    t.interrupt();
    expect(await exit).toBe(0);
    const events = t.lines().map((line) => parse(line).event);
    expect(events).toEqual(expect.arrayContaining(['ready', 'presence.joined', 'chat.message']));
  });

  // Timeline: ready through the relay → the relay cuts both sides (1006) → the server detaches the session →
  // a message is sent meanwhile → the clock moves by the announced delay → resume replays it → live again.
  it('survives a dropped connection: shows the drop, resumes, and prints what was sent meanwhile', async () => {
    const server = await startGateway();
    const relay = await startRelay(server.port);
    const clock = new ManualClock();
    const t = testIo({ clock });
    const exit = runUntilStopped(['tail', 'lobby', '--url', relay.wsUrl, '--user', 'watcher', '--json'], t);
    const { data: ready } = parse(await t.nextLine(jsonEvent('ready'), 'the ready event'));
    const alice = await readyUser(server, 'alice', ['lobby']);
    await alice.sendMessage('lobby', 'before');
    await t.nextLine(
      jsonEvent('chat.message', (e) => e.data.content === 'before'),
      'the first message',
    );

    relay.severAll();
    const { data: drop } = parse(await t.nextLine(jsonEvent('reconnecting'), 'the drop'));
    expect(drop).toMatchObject({ attempt: 0, code: 1006 });
    await expect.poll(() => server.gateway.stats().connections, { timeout: 3000 }).toBe(1);
    await alice.sendMessage('lobby', 'while away');

    clock.advance(Number(drop.delay_ms));
    const { data: back } = parse(await t.nextLine(jsonEvent('resumed'), 'the resume'));
    expect(back).toMatchObject({ session_id: ready.session_id });
    expect(back.replayed).toBeGreaterThanOrEqual(1);
    await alice.sendMessage('lobby', 'after');
    await t.nextLine(
      jsonEvent('chat.message', (e) => e.data.content === 'after'),
      'the message after',
    );

    const seen = t.lines().map(parse);
    const contents = seen.filter((e) => e.event === 'chat.message').map((e) => e.data.content);
    expect(contents).toEqual(['before', 'while away', 'after']);
    // The missed message came before `resumed`, and the session is the same one: no reset, no second ready.
    const order = seen.map((e) => (e.event === 'chat.message' ? e.data.content : e.event));
    expect(order.indexOf('while away')).toBeLessThan(order.indexOf('resumed'));
    expect(order.filter((e) => e === 'ready' || e === 'reset')).toEqual(['ready']);
    t.interrupt();
    expect(await exit).toBe(0);
  });

  it('shows a reset when the server ends the session, and goes on in a new one', async () => {
    const server = await startGateway();
    const clock = new ManualClock();
    const t = testIo({ clock });
    const exit = runUntilStopped(['tail', 'lobby', '--url', server.wsUrl, '--user', 'watcher'], t);
    await t.nextLine(has('connected to'), 'the ready line');

    await server.gateway.disconnect({ userId: 'watcher' }, { reason: 'moderation test' });
    const drop = await t.nextLine(has('connection lost'), 'the drop');
    expect(drop).toMatch(/connection lost \(close 4103.*\); reconnecting in (\d+) ms$/);
    clock.advance(Number(/in (\d+) ms$/.exec(drop)?.[1]));
    await t.nextLine(has('session reset ('), 'the reset');
    await t.nextLine(has('connected to'), 'the new ready line');
    const bob = await readyUser(server, 'bob', ['lobby']);
    await bob.sendMessage('lobby', 'in the new session');
    await t.nextLine(has('bob: in the new session'), 'a message in the new session');
    t.interrupt();
    expect(await exit).toBe(0);
  });

  it('warns about a refused room and goes on; exits 1 when every room is refused', async () => {
    const server = await startGateway({ authorize: ({ room_id }) => room_id !== 'secret' });
    const some = testIo();
    const going = runUntilStopped(['tail', 'lobby', 'secret', '--url', server.wsUrl], some);
    await some.nextLine(has('rooms: #lobby'), 'the ready line');
    expect(some.stderr()).toMatch(/^gateway tail: refused #secret: forbidden: /);
    some.interrupt();
    expect(await going).toBe(0);

    const none = testIo();
    expect(await runUntilStopped(['tail', 'secret', '--url', server.wsUrl], none)).toBe(1);
    expect(none.stderr()).toContain('refused #secret: forbidden');
    expect(none.stderr()).toContain('no room was granted');
  });

  it('exits 1 with the reason when the server cannot be reached', async () => {
    const gone = await startGateway();
    const url = gone.wsUrl;
    await gone.close();
    const t = testIo();
    expect(await runUntilStopped(['tail', 'lobby', '--url', url], t)).toBe(1);
    // The client's own error when it names the cause (`connect_failed: Could not connect to …`), else tail's.
    expect(t.stderr()).toMatch(/^gateway tail: /);
    expect(t.stderr()).toMatch(new RegExp(`connect to ${url}.*connect ECONNREFUSED`, 'i'));
    expect(t.stdout()).toBe('');
  });

  it('exits 1 with the close code when the server refuses the token (GATEWAY_TOKEN)', async () => {
    const server = await startGateway({ jwtSecret: 'a-secret-long-enough-for-hs256-tokens' });
    const t = testIo({ env: { GATEWAY_TOKEN: 'not-a-token' } });
    expect(await runUntilStopped(['tail', 'lobby', '--url', server.wsUrl], t)).toBe(1);
    expect(t.stderr()).toMatch(/closed the connection for good \(4401/);
  });

  it.each([
    [['tail'], 'name at least one room'],
    [['tail', 'lobby', '--url', 'http://127.0.0.1:8081/ws'], '--url must be a ws:// or wss:// URL'],
    [['tail', 'lobby', '--url', 'not a url'], '--url must be a ws:// or wss:// URL'],
    [['tail', 'x'.repeat(129)], 'is not a room id'],
    [['tail', 'lobby', '--name', 'n'.repeat(65)], '--name must be at most 64 characters'],
    [['tail', 'lobby', '--bogus'], "Unknown option '--bogus'"],
    [['tail', 'lobby', '--url'], "Option '--url <value>' argument missing"],
  ])('refuses %j with exit 2 and the usage', async (argv, message) => {
    const t = testIo();
    expect(await runUntilStopped(argv, t)).toBe(2);
    expect(t.stderr()).toContain(message);
    expect(t.stderr()).toContain('Usage: gateway tail');
    expect(t.stdout()).toBe('');
  });
});
