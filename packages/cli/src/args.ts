import { EXIT, type ExitCode, type Io } from './io';

/** Every command's `--help` / `-h`. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export type Parsed<T> = { readonly ok: true; readonly args: T } | { readonly ok: false; readonly exit: ExitCode };

/**
 * Runs a `parseArgs` call for a command: a mistake prints it with the command's usage on stderr (exit 2),
 * `--help` prints the usage on stdout (exit 0); otherwise the parsed arguments.
 */
export function parseCommandLine<T extends { values: { help?: boolean | undefined } }>(
  io: Io,
  usage: string,
  parse: () => T,
): Parsed<T> {
  let args: T;
  try {
    args = parse();
  } catch (error) {
    return { ok: false, exit: usageError(io, usage, error instanceof Error ? error.message : String(error)) };
  }
  if (args.values.help === true) {
    io.stdout(usage);
    return { ok: false, exit: EXIT.ok };
  }
  return { ok: true, args };
}

/** Prints what is wrong with the command line and how to use it, on stderr; returns exit code 2. */
export function usageError(io: Io, usage: string, message: string): ExitCode {
  io.stderr(`gateway: ${message}\n\n${usage}`);
  return EXIT.usage;
}

/** A flag's value, else the first environment variable set (empty counts as unset). */
export function flagOrEnv(io: Io, flag: string | undefined, ...names: string[]): string | undefined {
  if (flag !== undefined && flag !== '') return flag;
  for (const name of names) {
    const value = io.env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}
