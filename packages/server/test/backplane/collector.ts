import type { BackplaneListener, BackplaneMessage, Channel } from '../../src/index';

export interface Received {
  channel: Channel;
  message: BackplaneMessage;
}

/** A backplane listener that records what arrives and lets a test await it with a deadline. */
export class Collector {
  readonly received: Received[] = [];
  private readonly waiters = new Set<() => void>();

  readonly listener: BackplaneListener = (channel, message) => {
    this.received.push({ channel, message });
    for (const waiter of [...this.waiters]) waiter();
  };

  /** Types received so far, in order. */
  types(): string[] {
    return this.received.map((entry) => entry.message.type);
  }

  /** Resolves once `check` holds (re-checked on every arrival); rejects after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`No ${what} within ${timeoutMs} ms; got [${this.types().join(', ')}]`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves once a message of `type` has arrived. */
  receive(type: string, timeoutMs?: number): Promise<void> {
    return this.until(() => this.types().includes(type), `"${type}"`, timeoutMs);
  }
}

/** A backplane message whose frame body is the usual `"type":…,"payload":…}` (without its opening brace). */
export function message(type: string, payload: unknown = {}, extra: Partial<BackplaneMessage> = {}): BackplaneMessage {
  return {
    type,
    body: `"type":${JSON.stringify(type)},"payload":${JSON.stringify(payload)}}`,
    sequenced: true,
    ...extra,
  };
}
