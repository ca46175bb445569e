import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type Connection, createGateway } from '../src/index';
import { createPrometheusMetrics } from '../src/metrics/prometheus';
import { ManualClock } from './helpers/manual-clock';
import { request } from './helpers/requests';
import { dropConnection, lastSeq, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';

const quiet = { heartbeatIntervalMs: 3_600_000 };

/** Every metric named in issue 12, with its Prometheus type. */
const EXPECTED: Record<string, string> = {
  gateway_connections: 'gauge',
  gateway_sessions: 'gauge',
  gateway_deliveries_total: 'counter',
  gateway_resumes_total: 'counter',
  gateway_sessions_moved_total: 'counter',
  gateway_replayed_events_total: 'counter',
  gateway_slow_consumer_closes_total: 'counter',
  gateway_rate_limited_frames_total: 'counter',
  gateway_budget_evictions_total: 'counter',
  gateway_backplane_state: 'gauge',
  gateway_ack_latency_seconds: 'histogram',
  gateway_fanout_duration_seconds: 'histogram',
  gateway_persist_duration_seconds: 'histogram',
};

interface Scrape {
  types: Map<string, string>;
  /** Series (`name{labels}`) to value. */
  samples: Map<string, number>;
}

/** The Prometheus text exposition format, strictly: a line that is neither a comment nor a sample fails. */
function parse(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})?) (\S+)$/.exec(line);
    if (sample === null) throw new Error(`not a Prometheus text line: ${line}`);
    const value = Number(sample[2] === '+Inf' ? Number.POSITIVE_INFINITY : sample[2]);
    if (Number.isNaN(value)) throw new Error(`not a number: ${line}`);
    samples.set(sample[1] as string, value);
  }
  return { types, samples };
}

async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parse(await response.text());
}

function value(s: Scrape, series: string): number {
  const found = s.samples.get(series);
  if (found === undefined) throw new Error(`no sample ${series}`);
  return found;
}

describe('GET /metrics (issue 12)', () => {
  it('parses as Prometheus text and names every metric of the issue with its type', async () => {
    const t = await startTestServer(quiet);
    const s = await scrape(t.server.url);
    for (const [name, type] of Object.entries(EXPECTED)) expect(s.types.get(name), name).toBe(type);
    expect(value(s, 'gateway_backplane_state{kind="memory",state="ok"}')).toBe(1);
    expect(value(s, 'gateway_backplane_state{kind="memory",state="degraded"}')).toBe(0);
    expect(value(s, 'gateway_budget_evictions_total{store="detached_sessions"}')).toBe(0);
  });

  it('moves deliveries and the ack, fan-out and persist histograms when a chat message is sent', async () => {
    const t = await startTestServer({ ...quiet, persistMessage: () => {} });
    const alice = await t.joinRooms('alice', ['r']);
    const bob = await t.joinRooms('bob', ['r']);
    const before = await scrape(t.server.url);
    await request(alice, 'chat.send', { room_id: 'r', client_msg_id: 'c1', content: 'hi' });
    await bob.next('chat.message');
    await alice.next('chat.message');
    const after = await scrape(t.server.url);
    const moved = (series: string) => value(after, series) - value(before, series);
    expect(moved('gateway_deliveries_total')).toBe(2);
    expect(moved('gateway_ack_latency_seconds_count')).toBe(1);
    expect(moved('gateway_persist_duration_seconds_count')).toBe(1);
    expect(moved('gateway_fanout_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(moved('gateway_fanout_recipients_sum')).toBeGreaterThanOrEqual(2);
    expect(value(after, 'gateway_connections')).toBe(2);
    expect(value(after, 'gateway_sessions{state="attached"}')).toBe(2);
  });

  it('times with the injected clock: a persistMessage of 250 clock ms is observed as 0.25 s', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({
      ...quiet,
      clock,
      persistMessage: async () => {
        clock.advance(250);
      },
    });
    const alice = await t.joinRooms('alice', ['r']);
    await request(alice, 'chat.send', { room_id: 'r', client_msg_id: 'c1', content: 'hi' });
    await alice.next('chat.message');
    const s = await scrape(t.server.url);
    expect(value(s, 'gateway_persist_duration_seconds_sum')).toBe(0.25);
    expect(value(s, 'gateway_persist_duration_seconds_bucket{le="0.1"}')).toBe(0);
    expect(value(s, 'gateway_persist_duration_seconds_bucket{le="0.25"}')).toBe(1);
  });

  it('counts resumes accepted and refused, replayed events, budget evictions, sessions detached', async () => {
    const t = await startTestServer({ ...quiet, maxDetachedSessions: 1 });
    const watcher = await t.joinRooms('watcher', ['r']);
    const { client: ann, ready } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    await dropConnection(t, ann);
    await request(watcher, 'chat.send', { room_id: 'r', client_msg_id: 'c1', content: 'while away' });
    expect(value(await scrape(t.server.url), 'gateway_sessions{state="detached"}')).toBe(1);
    const back = await resume(t, { session_id: ready.payload.session_id, seq: lastSeq(ann) });
    expect(back.answer.type).toBe('resumed');
    await resume(t, { session_id: 'no-such-session', seq: 0 });
    // Two sessions waiting with room for one: the longest waiting one ends.
    const { client: bo } = await t.join({ user_id: 'bo' });
    const { client: cy } = await t.join({ user_id: 'cy' });
    await dropConnection(t, bo);
    await dropConnection(t, cy);
    const s = await scrape(t.server.url);
    expect(value(s, 'gateway_resumes_total{result="accepted"}')).toBe(1);
    expect(value(s, 'gateway_resumes_total{result="refused"}')).toBe(1);
    // One process: nothing moved in or out (the Redis handover suites count those).
    expect(value(s, 'gateway_sessions_moved_total{direction="in"}')).toBe(0);
    expect(value(s, 'gateway_sessions_moved_total{direction="out"}')).toBe(0);
    expect(value(s, 'gateway_replayed_events_total')).toBeGreaterThanOrEqual(1);
    expect(value(s, 'gateway_budget_evictions_total{store="detached_sessions"}')).toBe(1);
  });

  it('counts rate-limited frames', async () => {
    const t = await startTestServer({ ...quiet, rateLimits: { heartbeat: { burst: 1, perSecond: 0.001 } } });
    const { client } = await t.join({ user_id: 'a' });
    await request(client, 'heartbeat', {});
    expect((await request(client, 'heartbeat', {})).payload).toMatchObject({ code: 'rate_limited' });
    expect(value(await scrape(t.server.url), 'gateway_rate_limited_frames_total')).toBe(1);
  });

  it('counts slow-consumer closes', async () => {
    const metrics = createPrometheusMetrics();
    const socket: Connection = { send() {}, close() {}, bufferedAmount: Number.POSITIVE_INFINITY };
    const gateway = createGateway({ clock: new ManualClock(), metrics: metrics.observer });
    metrics.readFrom(() => gateway.stats());
    gateway.open(socket); // its hello already passes maxBufferedBytes
    const s = parse((await metrics.scrape()).body);
    expect(value(s, 'gateway_slow_consumer_closes_total')).toBe(1);
  });

  it('keeps two gateways in one process apart, and registers nothing in the global registry', async () => {
    const one = await startTestServer(quiet);
    const two = await startTestServer(quiet);
    const alice = await one.joinRooms('alice', ['r']);
    await request(alice, 'chat.send', { room_id: 'r', client_msg_id: 'c1', content: 'hi' });
    expect(value(await scrape(one.server.url), 'gateway_ack_latency_seconds_count')).toBe(1);
    expect(value(await scrape(two.server.url), 'gateway_ack_latency_seconds_count')).toBe(0);
    expect(value(await scrape(two.server.url), 'gateway_deliveries_total')).toBe(0);
    expect(await globalRegistry.metrics()).not.toContain('gateway_');
  });
});
