import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsObserver } from '../core/ports/metrics';
import type { GatewayStats } from '../core/types';
import type { TransportStats } from '../transport/ws';

/** Where a scrape reads the counts: the gateway's own stats, asked once per scrape. */
export type StatsSource = () => GatewayStats;

export interface PrometheusMetrics {
  /** This gateway's registry, never prom-client's global one: two gateways in one process keep apart. */
  readonly registry: Registry;
  /** Give it to the gateway (`GatewayOptions.metrics`): its timings fill the histograms. */
  readonly observer: MetricsObserver;
  /**
   * Where counters and gauges come from: the gateway's stats and, for the per-address caps, the transport's.
   * Until it is called, a scrape shows the histograms only.
   */
  readFrom(stats: StatsSource, transport?: () => TransportStats): void;
  /** The text a Prometheus server scrapes, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Seconds: from sub-millisecond (the clock counts whole ms, so a fast ack is 0) to a stuck write. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds: a database write, up to the stop's own wait for one (5 s) and beyond. */
const PERSIST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Sessions one fan-out reached. */
const RECIPIENT_BUCKETS = [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10_000];

const BACKPLANE_STATES = ['ok', 'degraded'] as const;

/** Stores shown at 0 before they first evict, so a rate over them exists from the start (docs/budgets.md). */
const BUDGETED_STORES = ['detached_sessions', 'history_rooms', 'dedup_claims', 'room_logs'];

/**
 * The gateway's metrics in Prometheus text format. Counters and gauges are read from `gateway.stats()` at
 * scrape time (prom-client's `collect`), so the core keeps plain numbers; histograms are fed as things happen
 * through the core's metrics port. Names follow Prometheus conventions: `gateway_` prefix, `_total` counters,
 * durations in seconds.
 */
export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  let source: StatsSource | undefined;
  let transportSource: (() => TransportStats) | undefined;
  /** The snapshot of the scrape in progress: one `stats()` for every metric of it. */
  let current: GatewayStats | undefined;
  const stats = (): GatewayStats | undefined => current ?? source?.();

  /** A gauge whose value is read from the stats at scrape time. */
  function gauge(name: string, help: string, read: (s: GatewayStats) => number): void {
    const metric: Gauge = new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = stats();
        if (s !== undefined) metric.set(read(s));
      },
    });
  }

  /** A counter mirroring a count the gateway keeps since it started (it only grows). */
  function counter(name: string, help: string, read: (s: GatewayStats) => number): void {
    const metric: Counter = new Counter({
      name,
      help,
      registers,
      collect() {
        const s = stats();
        if (s === undefined) return;
        metric.reset();
        metric.inc(read(s));
      },
    });
  }

  /** A counter of several series, one per value of `label`, each mirroring a count the gateway keeps. */
  function countedBy<L extends string>(
    name: string,
    help: string,
    label: L,
    read: (s: GatewayStats) => Record<string, number>,
  ): void {
    const metric: Counter<L> = new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        const s = stats();
        if (s === undefined) return;
        metric.reset();
        for (const [value, count] of Object.entries(read(s)))
          metric.inc({ [label]: value } as Record<L, string>, count);
      },
    });
  }

  gauge('gateway_connections', 'Open WebSocket connections, identified or not.', (s) => s.connections);
  const sessions: Gauge<'state'> = new Gauge({
    name: 'gateway_sessions',
    help: 'Live sessions: attached to a connection, or detached and waiting for a resume.',
    labelNames: ['state'],
    registers,
    collect() {
      const s = stats();
      if (s === undefined) return;
      sessions.set({ state: 'attached' }, s.sessions_attached);
      sessions.set({ state: 'detached' }, s.sessions_detached);
    },
  });
  gauge('gateway_users', 'Distinct users with a session here.', (s) => s.users);
  gauge('gateway_rooms', 'Rooms with a session here.', (s) => s.rooms);
  counter('gateway_frames_in_total', 'Frames received from clients.', (s) => s.frames_in);
  counter('gateway_frames_out_total', 'Frames written to clients.', (s) => s.frames_out);
  counter(
    'gateway_deliveries_total',
    'Dispatches fan-out handed to local sessions, one per recipient (detached sessions buffer them).',
    (s) => s.deliveries,
  );
  countedBy(
    'gateway_resumes_total',
    'Resumes answered: accepted (resumed) or refused (invalid_session).',
    'result',
    (s) => ({ accepted: s.resumes_ok, refused: s.resumes_refused }),
  );
  countedBy(
    'gateway_sessions_moved_total',
    'Sessions that moved between instances on a resume: in (resumed here, held elsewhere) or out.',
    'direction',
    (s) => ({ in: s.sessions_moved_in, out: s.sessions_moved_out }),
  );
  counter(
    'gateway_replayed_events_total',
    'Dispatches sent again by resumes and replay requests.',
    (s) => s.replayed_events,
  );
  counter(
    'gateway_slow_consumer_closes_total',
    'Connections closed 4003 for reading too slowly.',
    (s) => s.slow_consumer_closes,
  );
  counter('gateway_rate_limited_frames_total', 'Frames refused rate_limited.', (s) => s.rate_limited_frames);
  const evictions: Counter<'store'> = new Counter({
    name: 'gateway_budget_evictions_total',
    help: 'Entries a store let go to stay within its budget, by store.',
    labelNames: ['store'],
    registers,
    collect() {
      const s = stats();
      if (s === undefined) return;
      evictions.reset();
      for (const store of BUDGETED_STORES) evictions.inc({ store }, 0);
      for (const [store, count] of Object.entries(s.budgets.evicted)) evictions.inc({ store }, count);
    },
  });
  const backplane: Gauge<'kind' | 'state'> = new Gauge({
    name: 'gateway_backplane_state',
    help: "1 for the backplane's current state, 0 for the others (degraded: fan-out between instances paused).",
    labelNames: ['kind', 'state'],
    registers,
    collect() {
      const s = stats();
      if (s === undefined) return;
      backplane.reset();
      for (const state of BACKPLANE_STATES) {
        backplane.set({ kind: s.backplane.kind, state }, s.backplane.state === state ? 1 : 0);
      }
    },
  });

  const addresses: Gauge = new Gauge({
    name: 'gateway_connection_addresses',
    help: 'Client addresses (IPv6: /64 prefixes) holding a WebSocket connection, as the per-address caps count them.',
    registers,
    collect() {
      const t = transportSource?.();
      if (t !== undefined) addresses.set(t.addresses);
    },
  });
  const refusedUpgrades: Counter<'reason'> = new Counter({
    name: 'gateway_upgrades_refused_total',
    help: 'WebSocket upgrades answered 429 by a per-address cap, by reason.',
    labelNames: ['reason'],
    registers,
    collect() {
      const t = transportSource?.();
      if (t === undefined) return;
      refusedUpgrades.reset();
      for (const [reason, count] of Object.entries(t.refused)) refusedUpgrades.inc({ reason }, count);
    },
  });

  const ackLatency = new Histogram({
    name: 'gateway_ack_latency_seconds',
    help: 'chat.send: from the frame reaching its handler to its ack written.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const fanoutDuration = new Histogram({
    name: 'gateway_fanout_duration_seconds',
    help: "One message's delivery to this instance's sessions on its channel.",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const fanoutRecipients = new Histogram({
    name: 'gateway_fanout_recipients',
    help: 'Local sessions one fan-out reached.',
    buckets: RECIPIENT_BUCKETS,
    registers,
  });
  const persistDuration = new Histogram({
    name: 'gateway_persist_duration_seconds',
    help: 'persistMessage calls, resolved or failed.',
    buckets: PERSIST_BUCKETS,
    registers,
  });

  return {
    registry,
    observer: {
      observeAckLatency: (ms) => ackLatency.observe(ms / 1000),
      observeFanout(ms, deliveries) {
        fanoutDuration.observe(ms / 1000);
        fanoutRecipients.observe(deliveries);
      },
      observePersist: (ms) => persistDuration.observe(ms / 1000),
    },
    readFrom(stats, transport) {
      source = stats;
      transportSource = transport;
    },
    async scrape() {
      current = source?.();
      try {
        return { contentType: registry.contentType, body: await registry.metrics() };
      } finally {
        current = undefined;
      }
    },
  };
}
