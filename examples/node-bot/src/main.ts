// `npm start` here: the bot against the gateway at GATEWAY_URL (default: the quick start's, on this machine).
import { startBot } from './bot';

const bot = startBot({
  url: process.env.GATEWAY_URL ?? 'ws://127.0.0.1:8081/ws',
  token: process.env.BOT_TOKEN,
  // Used by dev-mode servers only (no JWT_SECRET); a server that verifies tokens takes the user from BOT_TOKEN.
  userId: process.env.BOT_USER ?? 'helper-bot',
  rooms: (process.env.ROOMS ?? 'lobby').split(',').map((room) => room.trim()),
});

bot.on('state', ({ to }) => {
  if (to === 'closed') process.exitCode = 1;
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    bot.close();
    process.exitCode = 0;
  });
}
