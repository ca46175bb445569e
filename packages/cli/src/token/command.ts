import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { HELP_OPTION, parseCommandLine, usageError } from '../args';
import type { Command } from '../command';
import { EXIT, type ExitCode, type Io, nowOf } from '../io';
import { type Claims, DEFAULT_TTL, firstOf, maxLifetimeMs, planToken } from './claims';

const OPTIONS = {
  ...HELP_OPTION,
  sub: { type: 'string' },
  name: { type: 'string' },
  ttl: { type: 'string' },
  audience: { type: 'string' },
  issuer: { type: 'string' },
  secret: { type: 'string' },
} as const;

const USAGE = `Usage: gateway token --sub <user> [--name <display name>] [--ttl ${DEFAULT_TTL}] [--audience <aud>] [--issuer <iss>]

FOR DEVELOPMENT AND TESTS. Mints an HS256 JWT that a gateway started with the same JWT_SECRET accepts,
and prints it. In production your own auth service issues tokens, and the secret never leaves it.

Options:
  --sub <user>        the user id (sub claim), 1 to 128 characters; required
  --name <name>       the display name (name claim), at most 64 characters
  --ttl <duration>    lifetime: 90s, 30m, 1h, 1d (default ${DEFAULT_TTL}; at most MAX_TOKEN_LIFETIME_MS, 24 h)
  --audience <aud>    aud claim (default the first of JWT_AUDIENCE; none when unset)
  --issuer <iss>      iss claim (default the first of JWT_ISSUER; none when unset)
  --secret <secret>   the server's secret (default: env JWT_SECRET; prefer it, a flag shows in ps and history)
  -h, --help          print this help

Environment: JWT_SECRET, JWT_AUDIENCE, JWT_ISSUER and MAX_TOKEN_LIFETIME_MS, read as the server reads them.

Example:
  JWT_SECRET=change-me gateway token --sub bot-1 --name "Support bot" --ttl 8h
`;

function sign(claims: Claims, secret: string): Promise<string> {
  const { sub, name, iat, exp, aud, iss } = claims;
  let jwt = new SignJWT(name === undefined ? {} : { name })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp);
  if (aud !== undefined) jwt = jwt.setAudience(aud);
  if (iss !== undefined) jwt = jwt.setIssuer(iss);
  return jwt.sign(new TextEncoder().encode(secret));
}

async function token(argv: readonly string[], io: Io): Promise<ExitCode> {
  const parsed = parseCommandLine(io, USAGE, () =>
    parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }),
  );
  if (!parsed.ok) return parsed.exit;
  const { values } = parsed.args;
  const plan = planToken(
    {
      sub: values.sub,
      name: values.name,
      ttl: values.ttl,
      audience: values.audience ?? firstOf(io.env.JWT_AUDIENCE),
      issuer: values.issuer ?? firstOf(io.env.JWT_ISSUER),
      // The server takes JWT_SECRET as it is: no trimming here either.
      secret: values.secret || io.env.JWT_SECRET || undefined,
    },
    nowOf(io),
    maxLifetimeMs(io.env.MAX_TOKEN_LIFETIME_MS),
  );
  if (!plan.ok) return usageError(io, USAGE, plan.problem);
  io.stdout(`${await sign(plan.claims, plan.secret)}\n`);
  return EXIT.ok;
}

export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a development JWT the server (JWT_SECRET) accepts',
  usage: USAGE,
  run: token,
};
