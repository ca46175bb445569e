import type { Io } from './io';

/**
 * The process's side of `Io`: its streams and environment, and an abort signal that the first Ctrl+C or
 * SIGTERM fires (the command closes cleanly); a second one exits at once. A closed stdout (`| head`) stops
 * the command too, instead of crashing on EPIPE. `dispose` removes the handlers.
 */
export function processIo(): { io: Io; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  const onStdoutError = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  const io: Io = {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    env: process.env,
    signal: controller.signal,
  };
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  };
  return { io, dispose };
}
