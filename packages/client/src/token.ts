/** Wraps an async source so concurrent callers share one call in flight; the next call after it settles starts anew. */
export function singleFlight<T>(source: () => T | Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    if (inFlight !== undefined) return inFlight;
    const call = (async () => source())();
    const clear = () => {
      if (inFlight === call) inFlight = undefined;
    };
    call.then(clear, clear);
    inFlight = call;
    return call;
  };
}
