import { createClient, type GatewayClient } from '@gateway/client';
import { type RunningServer, startServer } from '@gateway/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBot } from '../src/bot';

// The example bot against a real gateway on 127.0.0.1 (in memory, dev mode, port 0), and a user who talks to it.

let server: RunningServer;
const clients: GatewayClient[] = [];
const logged: string[] = [];

beforeEach(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  logged.length = 0;
  await server.close();
});

/** The next message in `room` from `senderId`, bounded by the test's timeout. */
function nextMessageFrom(client: GatewayClient, senderId: string): Promise<string> {
  return new Promise((resolve) => {
    const listener = (message: { sender_id: string; content: string }) => {
      if (message.sender_id !== senderId) return;
      client.off('chat.message', listener);
      resolve(message.content);
    };
    client.on('chat.message', listener);
  });
}

async function botAndAlice() {
  const bot = startBot({
    url: server.wsUrl,
    userId: 'helper-bot',
    rooms: ['lobby'],
    log: (line) => logged.push(line),
    random: () => 0.5,
  });
  clients.push(bot);
  await bot.ready();
  const alice = createClient({ url: server.wsUrl, userId: 'alice', displayName: 'Alice' });
  clients.push(alice);
  const welcome = nextMessageFrom(alice, 'helper-bot');
  await alice.subscribe('lobby');
  return { bot, alice, welcome };
}

describe('the example bot', () => {
  it('welcomes who joins its room, then answers !ping, !who and !roll', async () => {
    const { alice, welcome } = await botAndAlice();
    expect(await welcome).toBe('Welcome, Alice! I answer !ping, !who and !roll [sides].');

    const pong = nextMessageFrom(alice, 'helper-bot');
    await alice.sendMessage('lobby', '!ping');
    expect(await pong).toBe('pong');

    const who = nextMessageFrom(alice, 'helper-bot');
    await alice.sendMessage('lobby', '!who');
    expect(await who).toBe('Here: Alice, Helper bot.');

    const roll = nextMessageFrom(alice, 'helper-bot');
    await alice.sendMessage('lobby', '!roll 20');
    expect(await roll).toBe('Alice rolls 11 (d20).');

    const refused = nextMessageFrom(alice, 'helper-bot');
    await alice.sendMessage('lobby', '!roll 1');
    expect(await refused).toBe('Roll what? Try !roll 20.');
    expect(logged).toContain('ready as helper-bot in #lobby');
  });

  it('says why it cannot connect when the URL is wrong', async () => {
    const wrong = server.wsUrl.replace('/ws', '/wrong');
    const bot = startBot({ url: wrong, userId: 'helper-bot', rooms: ['lobby'], log: (line) => logged.push(line) });
    clients.push(bot);
    const first = new Promise((resolve) => bot.once('error', resolve));
    await first;
    expect(logged[0]).toMatch(/^error upgrade_rejected: .* answered HTTP 404 instead of a WebSocket: wrong path\?/);
  });
});
