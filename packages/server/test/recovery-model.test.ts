import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectionHandle } from '../src/core/ports/connection';
import { createGateway } from '../src/index';
import { ManualClock } from './helpers/manual-clock';

// A model of what issue 16 promises: whatever the interleaving of messages, dropped connections, sessions
// expiring and reconnects, a client sees each room's messages exactly as published, once and in order, or is
// told by a `recovered: false` exactly which offsets it missed. The real gateway core runs on a manual clock
// with connections fed in process; the client here does what the reference client does with seqs and
// positions (its own tests check that it does).

const WINDOW = 10_000;
const ROOMS = ['a', 'b'] as const;

type Action =
  | { kind: 'say'; room: 0 | 1; count: number }
  | { kind: 'drop' }
  | { kind: 'expire' }
  | { kind: 'reconnect' }
  | { kind: 'unsubscribe'; room: 0 | 1 }
  | { kind: 'subscribe'; room: 0 | 1 };

interface Frame {
  type: string;
  seq?: number;
  pos?: { room_id: string; epoch: string; offset: number };
  // biome-ignore lint/suspicious/noExplicitAny: frames from the gateway; the model reads the fields it needs.
  payload?: any;
}

/** Lets the gateway's promise chains (authorize, identify) run to the end: turns of the real event loop. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The client side: seqs within a session, positions across sessions, and the messages it showed, per room. */
class ModelClient {
  sessionId: string | undefined;
  lastSeq = 0;
  readonly positions = new Map<string, { epoch: string; offset: number }>();
  readonly shown = new Map<string, number[]>(ROOMS.map((room) => [room, []]));
  /** Offsets a recovery said were missed, per room. */
  readonly holes = new Map<string, number[]>(ROOMS.map((room) => [room, []]));
  readonly rooms = new Set<string>(ROOMS);
  handle: ConnectionHandle | undefined;
  resets = 0;

  constructor(private readonly open: (client: ModelClient) => ConnectionHandle) {}

  connect(): void {
    this.handle = this.open(this);
    if (this.sessionId === undefined) this.identify();
    else this.send({ type: 'resume', payload: { session_id: this.sessionId, seq: this.lastSeq } });
  }

  identify(): void {
    const rooms = [...this.rooms];
    this.send({ type: 'identify', payload: { user_id: 'u', subscriptions: rooms, since: this.since(rooms) } });
  }

  since(rooms: string[]) {
    return rooms.flatMap((room) => {
      const held = this.positions.get(room);
      return held === undefined ? [] : [{ room_id: room, ...held }];
    });
  }

  send(frame: object): void {
    this.handle?.message(JSON.stringify(frame), false);
  }

  receive(frame: Frame): void {
    if (frame.type === 'ready') {
      this.sessionId = frame.payload.session_id;
      this.lastSeq = 0;
      this.entered(frame.payload.rooms, frame.payload.recovery);
      if ((frame.payload.recovery ?? []).some((answer: { recovered: boolean }) => !answer.recovered)) this.resets++;
      return;
    }
    if (frame.type === 'subscribed') {
      this.entered(frame.payload.rooms, frame.payload.recovery);
      return;
    }
    if (frame.type === 'invalid_session') {
      this.sessionId = undefined;
      this.identify();
      return;
    }
    if (frame.seq === undefined) return;
    if (frame.seq <= this.lastSeq) return;
    expect(frame.seq, 'a session numbers its dispatches without a gap').toBe(this.lastSeq + 1);
    this.lastSeq = frame.seq;
    const pos = frame.pos;
    if (pos === undefined) return;
    const held = this.positions.get(pos.room_id);
    if (held !== undefined && held.epoch === pos.epoch && pos.offset <= held.offset) return;
    this.positions.set(pos.room_id, { epoch: pos.epoch, offset: pos.offset });
    if (frame.type === 'system') this.shown.get(pos.room_id)?.push(frame.payload.data.n);
  }

  private entered(
    rooms: Array<{ room_id: string; position?: { epoch: string; offset: number } }>,
    recovery: Array<{ room_id: string; reason?: string; missed_from?: number; missed_to?: number }> = [],
  ): void {
    for (const answer of recovery) {
      if (answer.missed_from === undefined || answer.missed_to === undefined) continue;
      for (let n = answer.missed_from; n <= answer.missed_to; n++) this.holes.get(answer.room_id)?.push(n);
    }
    for (const { room_id, position } of rooms) {
      const replaying = recovery.some(
        (answer) => answer.room_id === room_id && answer.reason !== 'epoch_changed' && answer.reason !== 'unavailable',
      );
      const held = this.positions.get(room_id);
      if (position === undefined || replaying) continue;
      if (held?.epoch !== position.epoch || held.offset < position.offset) this.positions.set(room_id, position);
    }
  }
}

async function run(actions: readonly Action[], maxEntries: number) {
  const clock = new ManualClock();
  const gateway = createGateway({
    clock,
    resumeWindowMs: WINDOW,
    heartbeatIntervalMs: 3_600_000,
    roomLogDefault: { maxEntries },
    rateLimits: { general: { burst: 1_000_000, perSecond: 1_000_000 } },
  });
  const published = new Map<string, number>(ROOMS.map((room) => [room, 0]));
  // Frames for a connection the client dropped are lost, as they would be on the wire.
  let current = 0;
  const client = new ModelClient((model) => {
    const id = ++current;
    return gateway.open({
      send: (text) => {
        if (id === current && model.handle !== undefined) model.receive(JSON.parse(text) as Frame);
      },
      close: () => {},
    });
  });
  client.connect();
  await settle();
  for (const action of actions) {
    switch (action.kind) {
      case 'say': {
        const room = ROOMS[action.room];
        for (let i = 0; i < action.count; i++) {
          const n = (published.get(room) ?? 0) + 1;
          published.set(room, n);
          gateway.broadcast('system', { message: 'n', data: { n } }, { room });
        }
        break;
      }
      case 'drop':
        client.handle?.closed(1006, 'lost');
        client.handle = undefined;
        current++;
        break;
      case 'expire':
        clock.advance(WINDOW);
        break;
      case 'reconnect':
        if (client.handle === undefined) client.connect();
        break;
      case 'unsubscribe':
        if (client.handle !== undefined && client.rooms.delete(ROOMS[action.room])) {
          client.send({ type: 'unsubscribe', payload: { room_ids: [ROOMS[action.room]] } });
        }
        break;
      case 'subscribe': {
        const room = ROOMS[action.room];
        if (client.handle !== undefined && !client.rooms.has(room)) {
          client.rooms.add(room);
          client.send({ type: 'subscribe', payload: { room_ids: [room], since: client.since([room]) } });
        }
        break;
      }
    }
    await settle();
  }
  if (client.handle === undefined) client.connect();
  await settle();
  for (const room of ROOMS) {
    if (!client.rooms.has(room)) {
      client.rooms.add(room);
      client.send({ type: 'subscribe', payload: { room_ids: [room], since: client.since([room]) } });
    }
  }
  await settle();
  await gateway.stop();
  return { client, published };
}

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('say' as const),
      room: fc.constantFrom(0 as const, 1 as const),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), room: fc.constantFrom(0 as const, 1 as const) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('subscribe' as const), room: fc.constantFrom(0 as const, 1 as const) }),
  },
);

describe('room recovery against a model (property)', () => {
  it('shows each room exactly as published, once and in order, while its log reaches back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 40 }), async (actions) => {
        const { client, published } = await run(actions, 1000);
        for (const room of ROOMS) {
          const all = Array.from({ length: published.get(room) ?? 0 }, (_, i) => i + 1);
          expect(client.shown.get(room)).toEqual(all);
        }
        expect(client.resets).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('with a short log, shows what was published less exactly the offsets it was told it missed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 40 }), async (actions) => {
        const { client, published } = await run(actions, 3);
        for (const room of ROOMS) {
          const holes = new Set(client.holes.get(room));
          const all = Array.from({ length: published.get(room) ?? 0 }, (_, i) => i + 1);
          expect(client.shown.get(room)).toEqual(all.filter((n) => !holes.has(n)));
        }
      }),
      { numRuns: 60 },
    );
  });
});
