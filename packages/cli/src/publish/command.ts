import { parseArgs } from 'node:util';
import { Id } from '@gateway/protocol';
import { flagOrEnv, HELP_OPTION, parseCommandLine, usageError } from '../args';
import type { Command } from '../command';
import { EXIT, type ExitCode, type Io } from '../io';
import { describeRefusal } from './answer';
import { postPublication } from './request';

export const DEFAULT_HTTP_URL = 'http://127.0.0.1:8081';
const LEVELS = ['info', 'warning', 'error'] as const;
type Level = (typeof LEVELS)[number];

const OPTIONS = {
  ...HELP_OPTION,
  'http-url': { type: 'string' },
  key: { type: 'string' },
  level: { type: 'string' },
} as const;

const USAGE = `Usage: gateway publish <room> <content> [options]

Delivers a notice (a \`system\` event, {"message": <content>}) to everyone subscribed to the room, through
the server's POST /publish, and prints the server's answer. The server needs a PUBLISH_KEY.

Options:
  --http-url <url>   the gateway's HTTP URL (default ${DEFAULT_HTTP_URL})
  --key <key>        the server's PUBLISH_KEY (default: env GATEWAY_PUBLISH_KEY, else PUBLISH_KEY)
  --level <level>    info, warning or error (default none)
  -h, --help         print this help

Exit status: 0 when the server accepted it (202); 1 when it refused (the status and the reason are printed
on stderr: 401 wrong key, 404 no publish key on the server, 400 invalid) or cannot be reached; 2 when the
command line is wrong.

Example:
  GATEWAY_PUBLISH_KEY=k gateway publish lobby "Maintenance at 22:00" --level warning
`;

function isLevel(text: string): text is Level {
  return (LEVELS as readonly string[]).includes(text);
}

/** `http://host:port/prefix` + `publish`, keeping a path prefix a proxy adds. */
function publishUrl(text: string): URL | undefined {
  try {
    const base = new URL(text.endsWith('/') ? text : `${text}/`);
    return base.protocol === 'http:' || base.protocol === 'https:' ? new URL('publish', base) : undefined;
  } catch {
    return undefined;
  }
}

async function publish(argv: readonly string[], io: Io): Promise<ExitCode> {
  const parsed = parseCommandLine(io, USAGE, () =>
    parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }),
  );
  if (!parsed.ok) return parsed.exit;
  const { values, positionals } = parsed.args;
  const [room, content, ...extra] = positionals;
  if (room === undefined || content === undefined || extra.length > 0) {
    return usageError(io, USAGE, 'give a room and the content, quoted as one argument');
  }
  if (!Id.safeParse(room).success) return usageError(io, USAGE, `"${room}" is not a room id (1 to 128 characters)`);
  const level = values.level;
  if (level !== undefined && !isLevel(level)) return usageError(io, USAGE, '--level must be info, warning or error');
  const url = publishUrl(values['http-url'] ?? DEFAULT_HTTP_URL);
  if (url === undefined) return usageError(io, USAGE, `--http-url must be an http:// or https:// URL`);
  const key = flagOrEnv(io, values.key, 'GATEWAY_PUBLISH_KEY', 'PUBLISH_KEY');
  if (key === undefined) return usageError(io, USAGE, 'no publish key: pass --key, or set GATEWAY_PUBLISH_KEY');

  const payload = level === undefined ? { message: content } : { message: content, level };
  const outcome = await postPublication(io, url, key, { room, type: 'system', payload });
  if (!outcome.reached) {
    io.stderr(`gateway publish: cannot reach ${url.href}: ${outcome.why}\n`);
    return EXIT.failed;
  }
  if (!outcome.ok) {
    io.stderr(`gateway publish: refused: ${describeRefusal(outcome.status, outcome.text)}\n`);
    return EXIT.failed;
  }
  io.stdout(`${outcome.text.trim() || String(outcome.status)}\n`);
  return EXIT.ok;
}

export const publishCommand: Command = {
  name: 'publish',
  summary: "deliver a notice to a room through the server's POST /publish",
  usage: USAGE,
  run: publish,
};
