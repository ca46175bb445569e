import type { ClientConnection } from '../client-connection';
import type { Clock, TimerHandle } from '../ports/clock';

/** Past this many expired slots at the front, the queue drops them (they hold nothing, but they are slots). */
const COMPACT_AFTER = 1024;

/**
 * The identify deadline of every connection that has not identified, in one queue with one timer. The
 * timeout is the same for every connection, so deadlines fall in the order connections open and the timer
 * only ever waits for the oldest. One timer per connection instead meant, in a connection storm, a timer
 * and its closure made for each socket and cleared milliseconds later, mostly after a young-generation
 * collection had already moved them to the old one.
 *
 * Nothing is taken out when a connection identifies or closes: when its deadline comes, `due` is called and
 * decides (a connection that has identified is left alone). A queued connection is therefore referenced
 * until its deadline at most, whatever happened to it meanwhile.
 */
export class IdentifyDeadlines {
  private connections: (ClientConnection | undefined)[] = [];
  private deadlines: number[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly due: (connection: ClientConnection) => void,
  ) {}

  /** Starts the connection's deadline: `timeoutMs` from now. */
  add(connection: ClientConnection): void {
    this.connections.push(connection);
    this.deadlines.push(this.clock.now() + this.timeoutMs);
    if (this.timer === undefined) this.arm();
  }

  /** How many deadlines are queued (connections that may still have to identify). */
  get size(): number {
    return this.deadlines.length - this.head;
  }

  /** Forgets every deadline and stops the timer. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.connections = [];
    this.deadlines = [];
    this.head = 0;
  }

  private arm(): void {
    const deadline = this.deadlines[this.head];
    if (deadline === undefined) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.expire();
      },
      Math.max(0, deadline - this.clock.now()),
    );
  }

  private expire(): void {
    const now = this.clock.now();
    while (this.head < this.deadlines.length && (this.deadlines[this.head] ?? now) <= now) {
      const connection = this.connections[this.head];
      this.connections[this.head] = undefined;
      this.head++;
      if (connection !== undefined) this.due(connection);
    }
    if (this.head === this.deadlines.length) {
      this.connections = [];
      this.deadlines = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.deadlines.length) {
      this.connections = this.connections.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }
}
