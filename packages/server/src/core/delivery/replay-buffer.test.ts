import { prepareDispatch } from '@gateway/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BufferedDispatch, ReplayBuffer } from './replay-buffer';

/** A dispatch whose shared body is exactly `bodyLength` characters long. */
function dispatchOfLength(seq: number, bodyLength: number): BufferedDispatch {
  return { seq, prepared: { type: 'system', body: 'x'.repeat(bodyLength) } };
}

const entry = (seq: number) => ({ seq, prepared: prepareDispatch('system', { n: seq }) });

describe('ReplayBuffer', () => {
  it('keeps the newest entries within the count bound', () => {
    const buffer = new ReplayBuffer(3, 1_000_000);
    for (let seq = 1; seq <= 5; seq++) buffer.push(entry(seq));
    expect(buffer.since(2)?.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(buffer.since(1)).toBeUndefined();
    expect(buffer.since(5)).toEqual([]);
  });

  it('keeps within the byte bound (body length) but never drops the newest entry', () => {
    const buffer = new ReplayBuffer(100, 25);
    buffer.push(dispatchOfLength(1, 10));
    buffer.push(dispatchOfLength(2, 10));
    buffer.push(dispatchOfLength(3, 10));
    expect(buffer.since(1)?.map((e) => e.seq)).toEqual([2, 3]);
    buffer.push(dispatchOfLength(4, 100));
    expect(buffer.since(3)?.map((e) => e.seq)).toEqual([4]);
  });

  it('holds the shared prepared dispatch by reference, not a per-session copy', () => {
    const shared = prepareDispatch('chat.message', { content: 'hi' });
    const one = new ReplayBuffer(10, 1000);
    const two = new ReplayBuffer(10, 1000);
    one.push({ seq: 1, prepared: shared });
    two.push({ seq: 7, prepared: shared });
    expect(one.since(0)?.[0]?.prepared).toBe(shared);
    expect(two.since(6)?.[0]?.prepared).toBe(shared);
  });

  it('trims what the client confirmed, and compacts after many drops', () => {
    const buffer = new ReplayBuffer(1000, 1_000_000);
    for (let seq = 1; seq <= 300; seq++) buffer.push(entry(seq));
    buffer.trimThrough(250);
    expect(buffer.size).toBe(50);
    expect(buffer.since(250)?.[0]?.seq).toBe(251);
    expect(buffer.since(249)).toBeUndefined();
  });

  it('gives back the slots of a burst once the client confirmed it', () => {
    const buffer = new ReplayBuffer(1000, 1_000_000);
    for (let seq = 1; seq <= 200; seq++) buffer.push(entry(seq));
    expect(buffer.capacity).toBe(256);
    buffer.trimThrough(190);
    expect(buffer.capacity).toBe(16);
    expect(buffer.since(190)?.map((e) => e.seq)).toEqual([191, 192, 193, 194, 195, 196, 197, 198, 199, 200]);
    buffer.push(entry(201));
    buffer.trimThrough(201);
    expect(buffer.capacity).toBe(0);
    buffer.push(entry(202));
    expect(buffer.since(201)?.map((e) => e.seq)).toEqual([202]);
    expect(buffer.since(200)).toBeUndefined();
  });

  it('keeps its slots while most of them are still in use', () => {
    const buffer = new ReplayBuffer(1000, 1_000_000);
    for (let seq = 1; seq <= 64; seq++) buffer.push(entry(seq));
    buffer.trimThrough(40);
    expect(buffer.capacity).toBe(64);
  });
});

/** The model: every entry still held, oldest first, and the highest seq no longer servable. */
interface Model {
  readonly maxEvents: number;
  readonly maxBytes: number;
  lastSeq: number;
  held: Array<{ seq: number; bytes: number }>;
  floor: number;
}

const heldBytes = (model: Model) => model.held.reduce((sum, held) => sum + held.bytes, 0);

function dropFront(model: Model): void {
  const dropped = model.held.shift();
  if (dropped !== undefined) model.floor = dropped.seq;
}

function checkAgainstModel(model: Model, real: ReplayBuffer): void {
  expect(real.size).toBe(model.held.length);
  expect(real.byteSize).toBe(heldBytes(model));
  expect(real.size).toBeLessThanOrEqual(model.maxEvents);
  // The byte bound holds unless a single entry alone is larger than it.
  if (real.size > 1) expect(real.byteSize).toBeLessThanOrEqual(model.maxBytes);
}

class PushCommand implements fc.Command<Model, ReplayBuffer> {
  constructor(readonly bodyLength: number) {}
  check = () => true;
  run(model: Model, real: ReplayBuffer): void {
    model.lastSeq += 1;
    real.push(dispatchOfLength(model.lastSeq, this.bodyLength));
    model.held.push({ seq: model.lastSeq, bytes: this.bodyLength });
    while (model.held.length > model.maxEvents || (heldBytes(model) > model.maxBytes && model.held.length > 1)) {
      dropFront(model);
    }
    checkAgainstModel(model, real);
  }
  toString = () => `push(${this.bodyLength})`;
}

/** A heartbeat's last_seq or a resume's seq: never ahead of what the session sent. */
class TrimCommand implements fc.Command<Model, ReplayBuffer> {
  constructor(readonly pick: number) {}
  check = () => true;
  run(model: Model, real: ReplayBuffer): void {
    const seq = this.pick % (model.lastSeq + 1);
    real.trimThrough(seq);
    while ((model.held[0]?.seq ?? Number.POSITIVE_INFINITY) <= seq) dropFront(model);
    checkAgainstModel(model, real);
    // Whatever burst grew it, an acknowledged ring holds at most four slots per entry still held.
    expect(real.capacity).toBeLessThanOrEqual(Math.max(8, 4 * real.size));
  }
  toString = () => `trim(pick ${this.pick})`;
}

class SinceCommand implements fc.Command<Model, ReplayBuffer> {
  constructor(readonly pick: number) {}
  check = () => true;
  run(model: Model, real: ReplayBuffer): void {
    // Up to one past the last seq: a client that claims more than it got is the session's to refuse.
    const seq = this.pick % (model.lastSeq + 2);
    const got = real.since(seq);
    if (seq < model.floor) {
      expect(got).toBeUndefined();
      return;
    }
    const expected = model.held.filter((held) => held.seq > seq);
    expect(got?.map((e) => ({ seq: e.seq, bytes: e.prepared.body.length }))).toEqual(expected);
    // Served means complete: exactly seq+1 … lastSeq, no hole.
    const from = Math.min(seq, model.lastSeq) + 1;
    expect(got?.map((e) => e.seq)).toEqual(Array.from({ length: model.lastSeq - from + 1 }, (_, i) => from + i));
  }
  toString = () => `since(pick ${this.pick})`;
}

describe('ReplayBuffer against a model (property)', () => {
  it('stays within its bounds and answers since() with exactly the missing suffix, or unavailable', () => {
    const commands = fc.commands(
      [
        fc.integer({ min: 0, max: 30 }).map((length) => new PushCommand(length)),
        fc.nat({ max: 1000 }).map((pick) => new TrimCommand(pick)),
        fc.nat({ max: 1000 }).map((pick) => new SinceCommand(pick)),
      ],
      { maxCommands: 200 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 400 }),
        commands,
        (maxEvents, maxBytes, cmds) => {
          fc.modelRun(
            () => ({
              model: { maxEvents, maxBytes, lastSeq: 0, held: [], floor: 0 },
              real: new ReplayBuffer(maxEvents, maxBytes),
            }),
            cmds,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
