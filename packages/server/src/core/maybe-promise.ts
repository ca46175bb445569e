/** Sync where the state is local (the in-memory path stays as fast as before), a promise where it is remote. */
export type MaybePromise<T> = T | Promise<T>;

/** Runs `next` at once on a plain value, after it on a promise: the sync path never waits a microtask. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
