// The stalled-subscribers scenario: what a server's memory does when its subscribers stop reading while it
// keeps publishing to them. The closed-loop unthrottled fan-out never lets a queue grow (the load generator
// asks for more only as it reads), so it cannot show the one thing a slow-consumer cap is for: without one,
// a server holds everything it could not send, for as long as the reader stays stalled.
import { fmt, fmtRatio, mb, ratio, table } from './format.mjs';

/** The gateway's default slow-consumer cap (`maxBufferedBytes`), for the bound the report states. */
export const SLOW_CONSUMER_CAP_BYTES = 1024 * 1024;

/**
 * @typedef {{messages: number, bytes: number, batch: number, settleMs: number}} StallPlan
 * Each of `messages` frames is `bytes` long; `batch` are published per control request.
 */

/** @type {StallPlan} */
export const FULL_PLAN = { messages: 40_000, bytes: 4096, batch: 50, settleMs: 1500 };
/** @type {StallPlan} */
export const QUICK_PLAN = { messages: 2000, bytes: 4096, batch: 50, settleMs: 1500 };

/**
 * What a server's RSS grew by over the stall; undefined where it was not measured.
 * @param {{stalledPeak?: number, stalledRssBefore?: number} | undefined} summary
 */
const growthOf = (summary) =>
  summary?.stalledPeak === undefined || summary.stalledRssBefore === undefined
    ? undefined
    : summary.stalledPeak - summary.stalledRssBefore;

/** @param {StallPlan} plan */
export const perSubscriberBytes = (plan) => plan.messages * plan.bytes;

/**
 * @param {{label: string, id: string}[]} present servers in this scenario, in table order
 * @param {Map<string, any>} byServer summaries
 * @param {StallPlan} plan
 */
export function stalledTable(present, byServer, plan) {
  return table(
    [
      'server',
      'stalled subs',
      'published to each MB',
      'RSS before MB',
      'peak RSS MB',
      'growth MB',
      'growth per sub MB',
      'dropped by server',
      'publish s',
      'runs',
    ],
    present.map((server) => {
      const s = byServer.get(server.id);
      const growth = growthOf(s);
      return [
        server.label,
        fmt(s.connected),
        fmt(perSubscriberBytes(plan) / 1024 / 1024),
        mb(s.stalledRssBefore),
        mb(s.stalledPeak),
        mb(growth),
        growth === undefined || !s.connected ? '—' : fmt(growth / s.connected / 1024 / 1024, 1),
        fmt(s.dropped),
        fmt((s.publishMs ?? Number.NaN) / 1000, 1),
        s.errors.length ? `${s.runs} (${s.errors.length} failed)` : fmt(s.runs),
      ];
    }),
  );
}

/**
 * @param {{label: string, id: string}[]} baselines
 * @param {Map<string, any>} byServer
 * @param {any} gateway the gateway's summary
 */
export function stalledRatios(baselines, byServer, gateway) {
  return table(
    ['gateway ÷', 'peak RSS', 'growth'],
    baselines.map((server) => {
      const b = byServer.get(server.id);
      return [
        server.label,
        fmtRatio(ratio(gateway.stalledPeak, b.stalledPeak)),
        fmtRatio(ratio(growthOf(gateway), growthOf(b))),
      ];
    }),
  );
}

/**
 * The budget "peak RSS under unthrottled publishing bounded by the slow-consumer cap, far below Socket.IO's"
 * (read: at most half), on stalled subscribers. Bounded means the cap acted: the gateway cut every stalled
 * subscriber, after which it holds only their replay buffers (bounded, and sharing one copy of each frame),
 * however much more is published; a server without one holds all of it.
 * @param {any} gateway
 * @param {any} socketio
 * @param {StallPlan} plan
 * @returns {{pass: boolean | undefined, measured: string}}
 */
export function stalledBudget(gateway, socketio, plan) {
  if (gateway?.stalledPeak === undefined) return { pass: undefined, measured: 'not measured' };
  const subscribers = gateway.connected ?? 0;
  const cutAll = subscribers > 0 && gateway.dropped === subscribers;
  const growth = growthOf(gateway);
  const socketioGrowth = growthOf(socketio);
  const vsSocketio = ratio(gateway.stalledPeak, socketio?.stalledPeak);
  const perSubscriber = (/** @type {number | undefined} */ bytes) =>
    bytes === undefined || subscribers === 0 ? '—' : fmt(bytes / subscribers / 1024 / 1024, 1);
  return {
    pass: vsSocketio === undefined ? undefined : cutAll && vsSocketio <= 0.5,
    measured: `cut ${fmt(gateway.dropped)} of ${fmt(subscribers)} at the cap (${mb(SLOW_CONSUMER_CAP_BYTES)} MB unsent); growth ${perSubscriber(growth)} MB per subscriber of ${fmt(perSubscriberBytes(plan) / 1024 / 1024)} MB published to each (Socket.IO: ${perSubscriber(socketioGrowth)} MB); peak ${mb(gateway.stalledPeak)} vs ${mb(socketio?.stalledPeak)} MB (${fmtRatio(vsSocketio)})`,
  };
}
