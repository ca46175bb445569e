import type { ChaosScenario } from './config';
import type { Subscriber } from './subscriber';

/** min / median / p95 / max of a set of durations, in ms. */
export interface Spread {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    median: at(0.5),
    p95: at(0.95),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** What one subscriber's application saw, against what was published and sent. */
export interface SubscriberFigures {
  readonly name: string;
  readonly state: string;
  readonly ticksDelivered: number;
  readonly tickDuplicates: number;
  readonly tickOutOfOrder: number;
  readonly ticksLost: number;
  readonly resets: number;
  readonly resetReasons: readonly string[];
  /** Resets that named the room: its state lost, to be refetched (a full reset of the room). */
  readonly roomResets: number;
  /** Answers to the client's `since` for the room (one per new session), whole or not. */
  readonly recoveries: number;
  readonly recoveredWhole: number;
  /** Dispatches of the room replayed from its log by those recoveries. */
  readonly recoveryReplayed: number;
  /** Recoveries that were not whole, each `reason missed_from-missed_to`. */
  readonly holes: readonly string[];
  readonly invalidSessions: number;
  readonly gaps: number;
  readonly readies: number;
  readonly resumes: number;
  readonly replayed: number;
  readonly reconnects: number;
  readonly chatSeen: number;
  readonly chatDuplicates: number;
  readonly chatLost: number;
  readonly sent: number;
  readonly acked: number;
  readonly duplicateAcks: number;
  readonly rejectedSends: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly goodbyes: Readonly<Record<string, number>>;
}

export interface Verdict {
  readonly subscribers: SubscriberFigures[];
  /** Each a sentence naming the subscriber; empty when the run held every promise. */
  readonly violations: string[];
}

interface SentBy {
  readonly sender: string;
  readonly message_id: string | undefined;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const firstFew = (values: readonly (string | number)[]): string =>
  values.slice(0, 5).join(', ') + (values.length > 5 ? ', …' : '');

/**
 * Judges the run. Every subscriber must have seen ticks 1..N each once and in order, and every chat message
 * anyone sent exactly once (with the message_id its sender was acked), unless its room was reset, which
 * excuses losses (never duplicates or disorder) and is itself a violation. Every send must be acked exactly
 * once. What counts as the room being reset depends on the scenario: in `resume` any `reset` (a session must
 * never be lost there), in `expiry` only a `reset` that names the room (one that names none is a session that
 * expired and whose room was recovered whole); there, a recovery that was not whole is a violation too, since
 * the room's log reaches back to the start of the run.
 */
export function judge(subscribers: readonly Subscriber[], events: number, scenario: ChaosScenario): Verdict {
  const violations: string[] = [];
  const sentBy = new Map<string, SentBy>();
  for (const subscriber of subscribers) {
    for (const sent of subscriber.sent)
      sentBy.set(sent.client_msg_id, { sender: subscriber.name, message_id: sent.message_id });
  }

  const figures = subscribers.map((subscriber): SubscriberFigures => {
    const { name } = subscriber;
    const reset = scenario === 'resume' ? subscriber.resets.length > 0 : subscriber.roomResets > 0;
    const fail = (text: string) => violations.push(`${name}: ${text}`);

    // Ticks: 1..N, each once, in order.
    const counts = new Uint32Array(events + 1);
    let previous = 0;
    let outOfOrder = 0;
    let duplicates = 0;
    const outOfRange: number[] = [];
    for (const n of subscriber.ticks) {
      if (!Number.isInteger(n) || n < 1 || n > events) {
        outOfRange.push(n);
        continue;
      }
      if ((counts[n] ?? 0) > 0) duplicates++;
      else if (n < previous) outOfOrder++;
      counts[n] = (counts[n] ?? 0) + 1;
      previous = Math.max(previous, n);
    }
    const lost: number[] = [];
    for (let n = 1; n <= events; n++) if (counts[n] === 0) lost.push(n);
    if (duplicates > 0) fail(`${duplicates} duplicate tick(s)`);
    if (outOfOrder > 0) fail(`${outOfOrder} tick(s) out of order`);
    if (outOfRange.length > 0) fail(`ticks never published: ${firstFew(outOfRange)}`);
    if (lost.length > 0 && !reset) fail(`lost ${lost.length} tick(s) without a reset of the room: ${firstFew(lost)}`);

    // Chat: every message anyone sent, once, under the message_id its sender was acked with.
    const seen = new Map<string, number>();
    for (const message of subscriber.messages) {
      const id = message.client_msg_id;
      if (id === undefined) {
        fail(`a chat message without client_msg_id (${message.message_id})`);
        continue;
      }
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const origin = sentBy.get(id);
      if (origin === undefined) fail(`a chat message nobody sent: ${id}`);
      else if (origin.message_id !== undefined && origin.message_id !== message.message_id) {
        fail(`${id} arrived as ${message.message_id}, acked to ${origin.sender} as ${origin.message_id}`);
      }
    }
    const chatDuplicates = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
    const chatLost = [...sentBy.keys()].filter((id) => !seen.has(id));
    if (chatDuplicates.length > 0) fail(`chat message(s) seen more than once: ${firstFew(chatDuplicates)}`);
    if (chatLost.length > 0 && !reset)
      fail(`chat message(s) never seen without a reset of the room: ${firstFew(chatLost)}`);

    // Sends: each acked exactly once to its sender.
    for (const sent of subscriber.sent) {
      const acks = subscriber.acks.get(sent.client_msg_id) ?? 0;
      if (sent.rejected !== undefined) fail(`send ${sent.client_msg_id} rejected: ${sent.rejected}`);
      else if (sent.ackedAt === undefined) fail(`send ${sent.client_msg_id} never settled`);
      if (acks !== 1 && sent.rejected === undefined) fail(`send ${sent.client_msg_id} acked ${acks} times`);
    }

    if (scenario === 'resume' && reset) fail(`${subscriber.resets.length} reset(s): ${firstFew(subscriber.resets)}`);
    if (scenario === 'expiry' && reset) fail(`${subscriber.roomResets} reset(s) naming the room`);
    const holes = subscriber.recoveries
      .filter((answer) => !answer.recovered)
      .map((answer) => `${answer.reason} ${answer.missed_from ?? '?'}-${answer.missed_to ?? '?'}`);
    if (holes.length > 0) fail(`recovered with a hole ${holes.length} time(s): ${firstFew(holes)}`);
    const state = subscriber.finalState ?? subscriber.state;
    if (state !== 'ready') fail(`ended in state "${state}"`);

    return {
      name,
      state: subscriber.finalState ?? subscriber.state,
      ticksDelivered: subscriber.ticks.length,
      tickDuplicates: duplicates,
      tickOutOfOrder: outOfOrder,
      ticksLost: lost.length,
      resets: subscriber.resets.length,
      resetReasons: subscriber.resets,
      roomResets: subscriber.roomResets,
      recoveries: subscriber.recoveries.length,
      recoveredWhole: subscriber.recoveries.filter((answer) => answer.recovered).length,
      recoveryReplayed: subscriber.recoveries.reduce((sum, answer) => sum + answer.replayed, 0),
      holes,
      invalidSessions: subscriber.invalidSessions,
      gaps: subscriber.gaps,
      readies: subscriber.readies,
      resumes: subscriber.replayed.length,
      replayed: subscriber.replayed.reduce((sum, n) => sum + n, 0),
      reconnects: subscriber.reconnectMs.length,
      chatSeen: subscriber.messages.length,
      chatDuplicates: chatDuplicates.length,
      chatLost: chatLost.length,
      sent: subscriber.sent.length,
      acked: subscriber.sent.filter((sent) => sent.ackedAt !== undefined).length,
      duplicateAcks: subscriber.sent.filter((sent) => sent.duplicate === true).length,
      rejectedSends: subscriber.sent.filter((sent) => sent.rejected !== undefined).length,
      errors: countBy(subscriber.errors),
      goodbyes: countBy(subscriber.goodbyes.map(String)),
    };
  });
  return { subscribers: figures, violations };
}
