import { usageError } from './args';
import type { Command } from './command';
import { EXIT, type ExitCode, type Io } from './io';
import { publishCommand } from './publish/command';
import { tailCommand } from './tail/command';
import { tokenCommand } from './token/command';
import { packageVersion } from './version';

const COMMANDS: readonly Command[] = [tailCommand, publishCommand, tokenCommand];

export function rootUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const commands = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: gateway <command> [options]',
    '',
    'The command line of the gateway, for bot authors and operators.',
    '',
    'Commands:',
    ...commands,
    '',
    'Options:',
    '  -h, --help     print this help (gateway <command> --help for a command)',
    '  -v, --version  print the version',
    '',
    'Exit status: 0 done, 1 failed (the reason is on stderr), 2 wrong command line.',
    '',
  ].join('\n');
}

/**
 * Runs one command line (`argv` without node and the script) and resolves with its exit code. Everything it
 * touches comes through `io`, so tests run it in-process.
 */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) return usageError(io, rootUsage(), 'name a command');
  if (first === '--help' || first === '-h') {
    io.stdout(rootUsage());
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === first);
  if (command === undefined) {
    return usageError(
      io,
      rootUsage(),
      first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`,
    );
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr(`gateway ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
