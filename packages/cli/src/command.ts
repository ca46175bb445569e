import type { ExitCode, Io } from './io';

/** One `gateway <name>` command. */
export interface Command {
  readonly name: string;
  /** One line for `gateway --help`. */
  readonly summary: string;
  /** `gateway <name> --help`. */
  readonly usage: string;
  run(argv: readonly string[], io: Io): Promise<ExitCode>;
}
