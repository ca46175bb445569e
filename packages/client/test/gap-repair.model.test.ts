import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GapRepair } from '../src/gap-repair';

/**
 * Model-based test of the sequencer with its gap-repair rules (fast-check `fc.commands`).
 *
 * The server publishes a session's events 1..n over a connection that may drop single frames (delivered
 * later only by a replay), deliver old ones again, and break. The client side is the real GapRepair;
 * replay requests it raises are answered (or refused) by later commands; after a break the session
 * either resumes (everything after `last` is replayed) or is gone (a new session from seq 1, and a reset).
 *
 * Whatever the interleaving, the application must see each event at most once and in order, with no
 * hole that is not announced by a `reset`; and once the network settles it must have seen the whole
 * tail of the stream. With no refused replay and no lost session, that means exactly 1..n.
 */

interface Frame {
  readonly session: number;
  readonly seq: number;
}

/** What the application saw, each with the step (one call into GapRepair) that showed it. */
type Seen =
  | { readonly kind: 'event'; readonly frame: Frame; readonly step: number }
  | { readonly kind: 'reset'; readonly reason: string; readonly step: number };

/** The environment: the server's stream and the client under test. */
class World {
  session = 1;
  published = 0;
  connected = true;
  /** The `since` of each replay request on the wire, oldest first. */
  replays: number[] = [];
  refusals = 0;
  sessionsLost = 0;
  readonly seen: Seen[] = [];
  /** Counts the calls into GapRepair: a reset covers the holes of the step it was announced in. */
  step = 0;
  readonly repair = new GapRepair<Frame>({
    deliver: (frame) => this.seen.push({ kind: 'event', frame, step: this.step }),
    gap: (gap) => this.replays.push(gap.since),
    reset: (reason) => this.seen.push({ kind: 'reset', reason, step: this.step }),
  });

  /** Runs one call into GapRepair as a step of its own. */
  act(call: (repair: GapRepair<Frame>) => void): void {
    this.step += 1;
    call(this.repair);
  }

  deliver(seq: number): void {
    this.act((repair) => repair.accept({ session: this.session, seq }, seq));
  }

  /** Everything after `since` up to the newest event, as a replay or a resume sends it. */
  replayAfter(since: number): void {
    for (let seq = since + 1; seq <= this.published; seq++) this.deliver(seq);
  }
}

interface Model {
  connected: boolean;
}

type Cmd = fc.Command<Model, World>;

const command = (name: string, check: (m: Readonly<Model>) => boolean, run: (m: Model, w: World) => void): Cmd => ({
  check,
  run,
  toString: () => name,
});

const publish = (lost: boolean): Cmd =>
  command(
    lost ? 'publish(lost)' : 'publish',
    () => true,
    (_, w) => {
      w.published += 1;
      // While disconnected the server buffers it for the resume; a lost frame only comes back by replay.
      if (w.connected && !lost) w.deliver(w.published);
    },
  );

const duplicate = (pick: number): Cmd =>
  command(
    `duplicate(${pick.toFixed(2)})`,
    (m) => m.connected,
    (_, w) => {
      if (w.published > 0) w.deliver(1 + Math.floor(pick * w.published));
    },
  );

const answerReplay = command(
  'answerReplay',
  (m) => m.connected,
  (_, w) => {
    const since = w.replays.shift();
    if (since === undefined) return;
    w.replayAfter(since);
    w.act((repair) => repair.replayAnswered());
  },
);

const refuseReplay = command(
  'refuseReplay',
  (m) => m.connected,
  (_, w) => {
    if (w.replays.shift() === undefined) return;
    w.refusals += 1;
    w.act((repair) => repair.replayFailed('replay_unavailable'));
  },
);

const disconnect = command(
  'disconnect',
  (m) => m.connected,
  (m, w) => {
    m.connected = false;
    w.connected = false;
    w.replays = [];
    w.act((repair) => repair.connectionLost());
  },
);

const resume = command(
  'resume',
  (m) => !m.connected,
  (m, w) => {
    m.connected = true;
    w.connected = true;
    w.replayAfter(w.repair.last);
    w.act((repair) => repair.resumed());
  },
);

const sessionLost = command(
  'sessionLost',
  (m) => !m.connected,
  (m, w) => {
    m.connected = true;
    w.connected = true;
    w.sessionsLost += 1;
    w.session += 1;
    w.published = 0;
    w.act((repair) => repair.newSession());
    // What the client emits when `invalid_session` is followed by a fresh `ready`.
    w.seen.push({ kind: 'reset', reason: 'invalid_session', step: w.step });
  },
);

/**
 * At every step: no event twice, order kept, and a hole only where a reset announced it, in the same step
 * (one reset covers every hole the answer that gave up on them left).
 */
function checkSeen(w: World): void {
  let previous: Frame | undefined;
  let resetStep = -1;
  for (const entry of w.seen) {
    if (entry.kind === 'reset') {
      resetStep = entry.step;
      continue;
    }
    const { frame } = entry;
    const holeAnnounced = resetStep === entry.step;
    if (previous === undefined || frame.session !== previous.session) {
      // A session's first event is seq 1 unless a reset announced the loss of what came before it.
      if (!holeAnnounced) expect(frame.seq).toBe(1);
    } else if (holeAnnounced) {
      expect(frame.seq).toBeGreaterThan(previous.seq);
    } else {
      expect(frame.seq).toBe(previous.seq + 1);
    }
    if (previous !== undefined) expect(frame.session).toBeGreaterThanOrEqual(previous.session);
    previous = frame;
  }
  const reasons = w.seen.flatMap((entry) => (entry.kind === 'reset' ? [entry.reason] : []));
  // Resets only where the server refused a replay or lost the session: never an unexplained one.
  expect(reasons.filter((reason) => reason === 'invalid_session')).toHaveLength(w.sessionsLost);
  expect(reasons.filter((reason) => reason !== 'invalid_session').length).toBeLessThanOrEqual(w.refusals);
  expect(reasons.every((reason) => reason === 'invalid_session' || reason === 'replay_unavailable')).toBe(true);
}

/**
 * The network settles: reconnect (resuming), publish one last event, and answer every replay on the wire.
 * The last event stands for the traffic that always follows sooner or later (a live frame is lost only
 * in this model: over TCP frames go missing only with their connection, and the resume brings them back).
 * Without it a lost frame at the very end would go unnoticed, as it would with any seq-gap scheme.
 */
function settleNetwork(w: World): void {
  if (!w.connected) {
    w.connected = true;
    w.replayAfter(w.repair.last);
    w.act((repair) => repair.resumed());
  }
  w.published += 1;
  w.deliver(w.published);
  for (let since = w.replays.shift(); since !== undefined; since = w.replays.shift()) {
    w.replayAfter(since);
    w.act((repair) => repair.replayAnswered());
  }
}

const commands = fc.commands(
  [
    fc.constant(publish(false)),
    fc.constant(publish(false)),
    fc.constant(publish(true)),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map(duplicate),
    fc.constant(answerReplay),
    fc.constant(refuseReplay),
    fc.constant(disconnect),
    fc.constant(resume),
    fc.constant(sessionLost),
  ],
  { size: '+1' },
);

function run(cmds: Iterable<Cmd>): World {
  const world = new World();
  fc.modelRun(() => ({ model: { connected: true }, real: world }), cmds);
  return world;
}

const events = (w: World) => w.seen.flatMap((entry) => (entry.kind === 'event' ? [entry.frame] : []));

describe('sequencer and gap repair, against a model of the stream', () => {
  it('any interleaving of deliveries, drops, duplicates, replays and reconnects: the sent sequence, or a reset', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const world = new World();
        fc.modelRun(() => ({ model: { connected: true }, real: world }), cmds);
        checkSeen(world);
        settleNetwork(world);
        checkSeen(world);
        expect(world.repair.holding).toBe(0);
        const seen = events(world);
        const tail = seen.at(-1);
        // Once the network settles, the stream's tail has arrived.
        expect(tail).toEqual({ session: world.session, seq: world.published });
        if (world.refusals === 0 && world.sessionsLost === 0) {
          expect(seen).toEqual(Array.from({ length: world.published }, (_, i) => ({ session: 1, seq: i + 1 })));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('announces the holes one refused replay leaves with one reset (found by the model)', () => {
    // 1-3 lost, 4 held (gap since 0), 2 arrives again and is held too; the replay is refused: holes at 1 and 3.
    const world = run([publish(true), publish(true), publish(true), publish(false), duplicate(0.25), refuseReplay]);
    expect(world.seen.map((entry) => (entry.kind === 'reset' ? entry.reason : entry.frame.seq))).toEqual([
      'replay_unavailable',
      2,
      4,
    ]);
    expect(world.repair.holding).toBe(0);
  });

  it('asks for a second hole that opened while the first was being repaired (found by the model)', () => {
    // 1 lost, 2 held (gap since 0), 3 lost, 4 held; 1 arrives late, releasing 1-2; the replay is refused.
    const world = run([publish(true), publish(false), publish(true), publish(false), duplicate(0), refuseReplay]);
    expect(world.seen.filter((entry) => entry.kind === 'reset')).toEqual([]);
    expect(world.replays).toEqual([2]);
    answerReplay.run({ connected: true }, world);
    expect(events(world).map((frame) => frame.seq)).toEqual([1, 2, 3, 4]);
    expect(world.repair.holding).toBe(0);
  });

  it('without refusals or lost sessions there is never a reset, whatever drops, duplicates and resumes', () => {
    const reliable = fc.commands(
      [
        fc.constant(publish(false)),
        fc.constant(publish(true)),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map(duplicate),
        fc.constant(answerReplay),
        fc.constant(disconnect),
        fc.constant(resume),
      ],
      { size: '+1' },
    );
    fc.assert(
      fc.property(reliable, (cmds) => {
        const world = run(cmds);
        settleNetwork(world);
        expect(world.seen.filter((entry) => entry.kind === 'reset')).toEqual([]);
        expect(events(world).map((frame) => frame.seq)).toEqual(
          Array.from({ length: world.published }, (_, i) => i + 1),
        );
      }),
      { numRuns: 500 },
    );
  });
});
