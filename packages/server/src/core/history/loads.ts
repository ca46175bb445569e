/** `loadHistory` calls one session may have waiting (its running one included) before more are refused. */
export const MAX_QUEUED_LOADS = 16;

interface Queue {
  tail: Promise<void>;
  waiting: number;
}

/**
 * The `loadHistory` calls of each session, one at a time: the application's database sees at most one read per
 * session whatever a client sends, while the connection's other frames never wait for it. A session with
 * `MAX_QUEUED_LOADS` waiting is refused more until they finish.
 */
export class HistoryLoads {
  private readonly queues = new WeakMap<object, Queue>();

  constructor(private readonly maxQueued = MAX_QUEUED_LOADS) {}

  /** Runs `task` once the session's earlier loads are done; false, running nothing, when too many wait. */
  run(session: object, task: () => Promise<void>): boolean {
    let queue = this.queues.get(session);
    if (queue === undefined) {
      queue = { tail: Promise.resolve(), waiting: 0 };
      this.queues.set(session, queue);
    }
    if (queue.waiting >= this.maxQueued) return false;
    const own = queue;
    own.waiting += 1;
    const done = () => {
      own.waiting -= 1;
    };
    own.tail = own.tail.then(task).then(done, done);
    return true;
  }
}
