import { type ChatMessage, type ClientOptions, createClient, type GatewayClient } from '@gateway/client';

export interface BotOptions {
  url: string;
  /** A token minted for the bot (`gateway token --sub helper-bot`); dev-mode servers take `userId` instead. */
  token?: string | undefined;
  userId?: string;
  rooms: readonly string[];
  /** Where the bot says what it does; tests pass their own. */
  log?: (line: string) => void;
  /** Dice for `!roll`, in [0, 1). */
  random?: () => number;
  /** For tests: the clock and WebSocket the client runs on. */
  client?: Pick<ClientOptions, 'clock' | 'WebSocket'>;
}

const HELP = 'I answer !ping, !who and !roll [sides].';

/** What the bot says to a message, or nothing. Pure, so the commands are tested without a socket. */
export function answer(message: ChatMessage, bot: GatewayClient, random: () => number): string | undefined {
  const [command, argument] = message.content.trim().split(/\s+/, 2);
  switch (command) {
    case '!ping':
      return 'pong';
    case '!help':
      return HELP;
    case '!who': {
      const names = bot.presence.inRoom(message.room_id).map((entry) => entry.display_name ?? entry.user_id);
      return names.length === 0 ? 'Nobody I can see.' : `Here: ${names.sort().join(', ')}.`;
    }
    case '!roll': {
      const sides = Number(argument ?? 6);
      if (!Number.isInteger(sides) || sides < 2 || sides > 1000) return 'Roll what? Try !roll 20.';
      return `${message.sender_name ?? message.sender_id} rolls ${1 + Math.floor(random() * sides)} (d${sides}).`;
    }
    default:
      return undefined;
  }
}

/** Connects, joins the rooms, and answers commands until `close()`. */
export function startBot(options: BotOptions): GatewayClient {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const random = options.random ?? Math.random;
  const bot = createClient({
    url: options.url,
    token: options.token,
    ...(options.userId === undefined ? {} : { userId: options.userId }),
    displayName: 'Helper bot',
    deviceType: 'bot',
    // Bots should not wait forever on a wrong URL: five failures in a row end it, with the reason logged.
    reconnect: { maxAttempts: 5 },
    ...options.client,
  });

  bot.on('ready', ({ user }) => log(`ready as ${user.id} in ${options.rooms.map((room) => `#${room}`).join(', ')}`));
  bot.on('error', (error) => log(`error ${error.code}: ${error.message}`));
  bot.on('reconnecting', ({ delay_ms }) => log(`connection lost; reconnecting in ${delay_ms} ms`));
  // A bot keeps no history of its own, so a reset needs nothing refetched; it only says so.
  bot.on('reset', ({ reason }) => log(`session reset (${reason}); carrying on`));
  // One diff may name many arrivals (a room filling up); each is welcomed once, the bot itself never.
  bot.on('presence.diff', ({ room_id: roomId, joined = [] }) => {
    if (roomId === undefined) return;
    for (const presence of joined) {
      if (presence.user_id === bot.user?.id) continue;
      const name = presence.display_name ?? presence.user_id;
      bot.sendMessage(roomId, `Welcome, ${name}! ${HELP}`).catch(() => {});
    }
  });
  bot.on('chat.message', (message) => {
    if (message.sender_id === bot.user?.id) return;
    const reply = answer(message, bot, random);
    if (reply === undefined) return;
    bot.sendMessage(message.room_id, reply).catch((error: Error) => log(`could not answer: ${error.message}`));
  });
  // Subscribed rather than named in `identify`, so a refused room is logged (identify only lists it in
  // `ready.refused`); `!who` reads the members from the presence view either way. Kept across reconnects.
  bot.subscribe(options.rooms).catch((error: Error) => log(`could not join: ${error.message}`));
  return bot;
}
