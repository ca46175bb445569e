/**
 * Timings the core reports as they happen, for histograms (`GET /metrics`). Counts and gauges are not here:
 * an exporter reads them from `gateway.stats()` when it is scraped, so the hot paths only add to numbers.
 * Every duration is in milliseconds of the injected clock. Implementations must be cheap and must not throw.
 */
export interface MetricsObserver {
  /** A `chat.send` was answered: from the frame reaching its handler to its ack (or duplicate ack) written. */
  observeAckLatency(ms: number): void;
  /** One fan-out delivered a message to this instance's sessions on its channel: how long, and to how many. */
  observeFanout(ms: number, deliveries: number): void;
  /** One `persistMessage` call settled (resolved or threw). */
  observePersist(ms: number): void;
}

/** The default: nothing is recorded. */
export const noopMetrics: MetricsObserver = {
  observeAckLatency() {},
  observeFanout() {},
  observePersist() {},
};
