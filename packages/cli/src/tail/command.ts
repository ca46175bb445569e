import { parseArgs } from 'node:util';
import { DisplayName, Id } from '@gateway/protocol';
import { flagOrEnv, HELP_OPTION, parseCommandLine, usageError } from '../args';
import type { Command } from '../command';
import { type ExitCode, type Io, nowOf } from '../io';
import { tailOutput } from './output';
import { watchRooms } from './watch';

export const DEFAULT_WS_URL = 'ws://127.0.0.1:8081/ws';

const OPTIONS = {
  ...HELP_OPTION,
  url: { type: 'string' },
  token: { type: 'string' },
  user: { type: 'string' },
  name: { type: 'string' },
  visible: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const USAGE = `Usage: gateway tail <room> [<room>…] [options]

Connects to a gateway, subscribes to the rooms and prints what happens in them, one line each, as it
happens: messages, edits and deletes, presence, typing, notices, and the connection's own changes
(reconnecting, resumed, reset). A dropped connection is resumed, the missed events replayed. It joins
invisible (nobody sees it in presence) unless --visible. Ctrl+C or SIGTERM closes it cleanly.

Options:
  --url <ws-url>   the gateway's WebSocket URL (default ${DEFAULT_WS_URL})
  --token <jwt>    token for a server with JWT_SECRET (default: env GATEWAY_TOKEN)
  --user <id>      dev-mode servers only: the user to be (default a guest id)
  --name <name>    dev-mode servers only: the display name
  --visible        appear online in the rooms' presence
  --json           one JSON object per line: {"time", "event", "room", "data"}
  -h, --help       print this help

Exit status: 0 when stopped; 1 when it cannot go on (the server cannot be reached, every room is
refused, the server closes for good); 2 when the command line is wrong.

Examples:
  gateway tail lobby support --user ops
  GATEWAY_TOKEN="$(gateway token --sub ops)" gateway tail lobby --url wss://chat.example.com/ws --json
`;

/** A `ws:` or `wss:` URL, or undefined. */
function webSocketUrl(text: string): string | undefined {
  try {
    const { protocol } = new URL(text);
    return protocol === 'ws:' || protocol === 'wss:' ? text : undefined;
  } catch {
    return undefined;
  }
}

async function tail(argv: readonly string[], io: Io): Promise<ExitCode> {
  const parsed = parseCommandLine(io, USAGE, () =>
    parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }),
  );
  if (!parsed.ok) return parsed.exit;
  const { values, positionals: rooms } = parsed.args;
  if (rooms.length === 0) return usageError(io, USAGE, 'name at least one room');
  const badRoom = rooms.find((room) => !Id.safeParse(room).success);
  if (badRoom !== undefined) return usageError(io, USAGE, `"${badRoom}" is not a room id (1 to 128 characters)`);
  const url = webSocketUrl(values.url ?? DEFAULT_WS_URL);
  if (url === undefined) return usageError(io, USAGE, `--url must be a ws:// or wss:// URL, got "${values.url}"`);
  if (values.user !== undefined && !Id.safeParse(values.user).success) {
    return usageError(io, USAGE, '--user must be a user id (1 to 128 characters)');
  }
  if (values.name !== undefined && !DisplayName.safeParse(values.name).success) {
    return usageError(io, USAGE, '--name must be at most 64 characters');
  }
  const out = tailOutput(io, values.json === true, () => nowOf(io));
  return watchRooms(
    {
      url,
      rooms,
      token: flagOrEnv(io, values.token, 'GATEWAY_TOKEN'),
      userId: values.user,
      displayName: values.name,
      visible: values.visible === true,
    },
    io,
    out,
  );
}

export const tailCommand: Command = {
  name: 'tail',
  summary: 'print what happens in rooms as it happens (messages, presence, typing, reconnects)',
  usage: USAGE,
  run: tail,
};
