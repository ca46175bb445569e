import type { Io } from '../io';
import type { Seen } from './seen';

/** Where `tail` writes: what it saw on stdout, one line each; problems on stderr. */
export interface TailOutput {
  seen(seen: Seen): void;
  /** A warning or error line on stderr, whatever the format. */
  problem(text: string): void;
}

const twoDigits = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time, `14:03:59`. */
function clockTime(ms: number): string {
  const date = new Date(ms);
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`;
}

/** `14:03:59  #lobby  alice: hello` */
export function textLine(seen: Seen, now: number): string {
  const room = seen.room === undefined ? '' : `#${seen.room}  `;
  return `${clockTime(seen.at ?? now)}  ${room}${seen.text}\n`;
}

/** `{"time":"2026-12-05T14:03:59.000Z","event":"chat.message","room":"lobby","data":{…}}` */
export function jsonLine(seen: Seen, now: number): string {
  const room = seen.room === undefined ? {} : { room: seen.room };
  return `${JSON.stringify({ time: new Date(seen.at ?? now).toISOString(), event: seen.event, ...room, data: seen.data })}\n`;
}

export function tailOutput(io: Io, json: boolean, now: () => number): TailOutput {
  const line = json ? jsonLine : textLine;
  return {
    seen: (seen) => io.stdout(line(seen, now())),
    problem: (text) => io.stderr(`gateway tail: ${text}\n`),
  };
}
