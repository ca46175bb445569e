import { seqPrefix } from '@gateway/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_BYTES } from './staging-arena';
import { textFrameHeaderLength, writeTextFrameHeader } from './text-frame';
import { type CorkableSocket, SHARED_BODY_BYTES, WriteCoalescer } from './write-coalescer';

/** A socket that records cork depth and what it was asked to write; nothing drains by itself. */
function fakeSocket() {
  const socket = {
    corked: 0,
    writableLength: 0,
    destroyed: false,
    written: [] as Buffer[],
    cork() {
      socket.corked++;
    },
    uncork() {
      if (socket.corked > 0) socket.corked--;
    },
    write(chunk: Buffer) {
      socket.written.push(Buffer.from(chunk));
      socket.writableLength += chunk.length;
      return true;
    },
  };
  return socket satisfies CorkableSocket;
}

/**
 * A socket that keeps what it is given by reference, as a real one does while the kernel has not taken it:
 * `drains` sockets hand everything over at once (their queue is empty after each write), the others queue it.
 */
function referenceSocket(drains: boolean) {
  const socket = {
    corked: 0,
    writableLength: 0,
    destroyed: false,
    given: [] as Buffer[],
    queued: [] as { chunk: Buffer; copy: Buffer }[],
    cork() {
      socket.corked++;
    },
    uncork() {
      if (socket.corked > 0) socket.corked--;
    },
    write(chunk: Buffer) {
      socket.given.push(chunk);
      if (!drains) {
        socket.queued.push({ chunk, copy: Buffer.from(chunk) });
        socket.writableLength += chunk.length;
      }
      return true;
    },
  };
  return socket satisfies CorkableSocket;
}

/** A coalescer whose end of tick the test decides. */
function manualTicks() {
  const pending: Array<() => void> = [];
  const coalescer = new WriteCoalescer((flush) => pending.push(flush));
  const endTick = () => {
    for (const flush of pending.splice(0)) flush();
  };
  return { coalescer, endTick, pending };
}

const open = { isOpen: () => true };
const utf8 = (text: string) => new TextEncoder().encode(text);
/** An unmasked text frame with a payload under 126 bytes. */
const textFrame = (text: string) => Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]);

/** A text frame of any length, header made by the module's own framing. */
function anyTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const frame = Buffer.alloc(textFrameHeaderLength(payload.length) + payload.length);
  payload.copy(frame, writeTextFrameHeader(frame, 0, payload.length));
  return frame;
}

describe('WriteCoalescer', () => {
  it('holds a socket once per tick, with one flush for all sockets, and corks only what asks for it', () => {
    const { coalescer, endTick, pending } = manualTicks();
    const a = fakeSocket();
    const b = fakeSocket();
    const wa = coalescer.wrap(a, open);
    const wb = coalescer.wrap(b, open);
    wa.hold();
    wa.cork();
    wa.cork();
    wb.hold();
    // Staged frames reach a socket in one write, so only a socket ws writes to itself needs the cork.
    expect([a.corked, b.corked, wa.holding, wb.holding, pending.length]).toEqual([1, 0, true, true, 1]);
    endTick();
    expect([a.corked, b.corked, wa.holding, wb.holding]).toEqual([0, 0, false, false]);
    // The next tick holds (and corks) again.
    wa.cork();
    expect([a.corked, pending.length]).toEqual([1, 1]);
    endTick();
    expect(a.corked).toBe(0);
  });

  it("writes a tick's staged frames as one chunk, in order, at the end of the tick", () => {
    const { coalescer, endTick } = manualTicks();
    const socket = fakeSocket();
    const writes = coalescer.wrap(socket, open);
    const body = utf8('"type":"x","payload":{"é":1}}');
    for (let seq = 1; seq <= 40; seq++) writes.stageText(`{"seq":${seq},`, body);
    expect(socket.written).toEqual([]);
    endTick();
    const expected = Array.from({ length: 40 }, (_, i) => textFrame(`{"seq":${i + 1},"type":"x","payload":{"é":1}}`));
    expect(socket.written).toEqual([Buffer.concat(expected)]);
  });

  it('puts staged frames before a frame written after writeStaged', () => {
    const { coalescer, endTick } = manualTicks();
    const socket = fakeSocket();
    const writes = coalescer.wrap(socket, open);
    writes.stageText('{"seq":1,', utf8('"type":"a"}'));
    writes.writeStaged();
    socket.write(Buffer.from('control'));
    writes.stageText('{"seq":2,', utf8('"type":"b"}'));
    endTick();
    expect(socket.written).toEqual([
      textFrame('{"seq":1,"type":"a"}'),
      Buffer.from('control'),
      textFrame('{"seq":2,"type":"b"}'),
    ]);
  });

  it('drops staged frames once the WebSocket is no longer open, and does not cork a destroyed socket', () => {
    const { coalescer, endTick, pending } = manualTicks();
    let isOpen = true;
    const socket = fakeSocket();
    coalescer.wrap(socket, { isOpen: () => isOpen }).stageText('{', utf8('"type":"late"}'));
    isOpen = false; // a close frame went out after these were staged
    endTick();
    expect([socket.written, socket.corked]).toEqual([[], 0]);
    const destroyed = fakeSocket();
    destroyed.destroyed = true;
    coalescer.wrap(destroyed, open).stageText('{', utf8('"type":"x"}'));
    expect([destroyed.corked, destroyed.written, pending.length]).toEqual([0, [], 0]);
  });

  it('releases a socket destroyed while held without writing to it', () => {
    const { coalescer, endTick } = manualTicks();
    const socket = fakeSocket();
    const writes = coalescer.wrap(socket, open);
    writes.stageText('{', utf8('"type":"x"}'));
    socket.destroyed = true;
    expect(() => endTick()).not.toThrow();
    expect([writes.holding, socket.written]).toEqual([false, []]);
  });

  it("judges the backlog without this tick's writes while held, and on the whole queue otherwise", () => {
    const { coalescer, endTick } = manualTicks();
    const socket = fakeSocket();
    const writes = coalescer.wrap(socket, open);
    socket.writableLength = 100; // left over from an earlier tick: the reader is behind by 100 bytes
    writes.hold();
    socket.write(Buffer.alloc(5_000)); // this tick's burst, still in the cork
    writes.stageText('{', utf8('"type":"x"}'));
    expect(writes.backlog(0)).toBe(100);
    expect(writes.backlog(7)).toBe(107);
    endTick();
    // Flushed, and the reader took none of it: all of it is backlog now.
    expect(writes.backlog(0)).toBe(5_100 + textFrame('{"type":"x"}').length);
  });

  it('lets a light-load fan-out go in groups of 64 sockets instead of holding all of it to the end of the tick', () => {
    const { coalescer, endTick } = manualTicks();
    const sockets = Array.from({ length: 200 }, () => fakeSocket());
    const wrapped = sockets.map((socket) => coalescer.wrap(socket, open));
    for (const writes of wrapped) writes.stageText('{', utf8('"type":"x"}'));
    // Held groups leave as the 65th, 129th and 193rd socket are written to.
    expect(sockets.map((socket) => socket.written.length)).toEqual([...Array(192).fill(1), ...Array(8).fill(0)]);
    endTick();
    expect(sockets.every((socket) => socket.written.length === 1 && socket.corked === 0)).toBe(true);
    expect(coalescer.holdingWholeTicks).toBe(false);
  });

  it('holds whole ticks while ticks write several frames per socket, and goes back to groups when they stop', () => {
    const { coalescer, endTick } = manualTicks();
    const sockets = Array.from({ length: 100 }, () => fakeSocket());
    const wrapped = sockets.map((socket) => coalescer.wrap(socket, open));
    const burst = (messages: number) => {
      for (let m = 0; m < messages; m++) for (const writes of wrapped) writes.stageText(`{"seq":${m},`, utf8('"t":1}'));
      endTick();
    };
    burst(2); // light-load mode: written in groups, twice per socket; two frames per socket switch the mode
    expect(coalescer.holdingWholeTicks).toBe(true);
    for (const socket of sockets) socket.written.length = 0;
    burst(3);
    // Held to the end of the tick: one chunk per socket with its three frames.
    expect(sockets.every((socket) => socket.written.length === 1)).toBe(true);
    expect(sockets[0]?.written[0]).toEqual(Buffer.concat([0, 1, 2].map((m) => textFrame(`{"seq":${m},"t":1}`))));
    burst(1);
    expect(coalescer.holdingWholeTicks).toBe(false);
  });

  it('stages a sequenced dispatch as the same bytes as its prefix text before the shared body', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 12 }), fc.string({ maxLength: 300 }), (seq, text) => {
        const body = utf8(`"type":"chat.message","payload":${JSON.stringify(text)}}`);
        const { coalescer, endTick } = manualTicks();
        const byNumber = fakeSocket();
        const byText = fakeSocket();
        coalescer.wrap(byNumber, open).stageSequenced(seq, body);
        coalescer.wrap(byText, open).stageText(seqPrefix(seq), body);
        endTick();
        expect(Buffer.concat(byNumber.written)).toEqual(Buffer.concat(byText.written));
        expect(byNumber.written).toHaveLength(1);
      }),
    );
  });

  it('writes a long shared body by reference between staged frames: the same bytes, corked for the tick', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 12 }),
        fc.integer({ min: SHARED_BODY_BYTES, max: 70_000 }),
        fc.string({ maxLength: 40 }),
        (seq, length, small) => {
          const long = utf8(`"type":"presence.diff","payload":"${'x'.repeat(length)}"}`);
          const short = utf8(`"type":"chat.message","payload":${JSON.stringify(small)}}`);
          const { coalescer, endTick } = manualTicks();
          const socket = fakeSocket();
          const writes = coalescer.wrap(socket, open);
          writes.stageSequenced(seq, short);
          writes.stageSequenced(seq + 1, long);
          writes.stageSequenced(seq + 2, short);
          // Nothing leaves before the tick ends: the socket is corked while it holds the body's chunk.
          expect(socket.corked).toBe(1);
          endTick();
          expect(socket.corked).toBe(0);
          const expected = [seq, seq + 1, seq + 2].map((n, i) =>
            anyTextFrame(`${seqPrefix(n)}${Buffer.from(i === 1 ? long : short).toString()}`),
          );
          expect(Buffer.concat(socket.written)).toEqual(Buffer.concat(expected));
          // Staged head, the body itself, the staged rest.
          expect(socket.written).toHaveLength(3);
          expect(socket.written[1]).toEqual(Buffer.from(long));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('stages the sockets of a tick in one slab, and reuses it when every socket handed its bytes over at once', () => {
    const { coalescer, endTick } = manualTicks();
    const sockets = [referenceSocket(true), referenceSocket(true)];
    const wrapped = sockets.map((socket) => coalescer.wrap(socket, open));
    for (let tick = 1; tick <= 3; tick++) {
      for (const writes of wrapped) writes.stageText(`{"seq":${tick},`, utf8('"type":"x"}'));
      endTick();
    }
    const slabs = new Set(sockets.flatMap((socket) => socket.given.map((chunk) => chunk.buffer)));
    expect(slabs.size).toBe(1);
    expect(sockets[1]?.given[2]).toEqual(textFrame('{"seq":3,"type":"x"}'));
  });

  it('never writes over bytes a socket still queues: that slab is left behind, and the queued bytes stay intact', () => {
    const { coalescer, endTick } = manualTicks();
    const slow = referenceSocket(false);
    const fast = referenceSocket(true);
    const [slowWrites, fastWrites] = [slow, fast].map((socket) => coalescer.wrap(socket, open));
    const frames = 200;
    for (let tick = 1; tick <= 3; tick++) {
      for (let m = 0; m < frames; m++) {
        fastWrites?.stageText(`{"seq":${tick * 1000 + m},`, utf8('"type":"fast"}'));
        slowWrites?.stageText(`{"seq":${tick * 1000 + m},`, utf8('"type":"slow"}'));
      }
      endTick();
    }
    // Every chunk the slow socket still holds reads as it did when written.
    for (const { chunk, copy } of slow.queued) expect(chunk).toEqual(copy);
    // The first tick used the shared slab; once the slow socket was behind it staged in buffers of its own.
    const sharedSlab = fast.given[0]?.buffer;
    expect(slow.given[0]?.buffer).toBe(sharedSlab);
    expect(slow.given.slice(1).some((chunk) => chunk.buffer === fast.given[2]?.buffer)).toBe(false);
    // The slab pinned by the slow socket's first chunk was not reused by the fast one.
    expect(fast.given[1]?.buffer).not.toBe(sharedSlab);
    // From then on the fast socket's ticks share one slab again.
    expect(fast.given[2]?.buffer).toBe(fast.given[1]?.buffer);
  });

  it('keeps out of reuse only the page a stalled socket still queues, not the pages of the others', () => {
    const { coalescer, endTick } = manualTicks();
    const stalled = referenceSocket(false);
    const others = [referenceSocket(true), referenceSocket(true)];
    const wrapped = [stalled, ...others].map((socket) => coalescer.wrap(socket, open));
    // Over half a page a socket a tick: one region a page.
    const body = utf8(`"type":"x","pad":"${'p'.repeat(Math.ceil(PAGE_BYTES * 0.6))}"}`);
    for (let tick = 1; tick <= 2; tick++) {
      for (const writes of wrapped) writes.stageText(`{"seq":${tick},`, body);
      endTick();
    }
    const firstTickPages = [stalled, ...others].map((socket) => socket.given[0]?.buffer);
    expect(new Set(firstTickPages).size).toBe(3);
    // The fast sockets' second tick reused the pages they had; the stalled socket's page was not handed out again.
    const secondTickPages = others.map((socket) => socket.given[1]?.buffer);
    expect(secondTickPages).not.toContain(firstTickPages[0]);
    expect(new Set(secondTickPages)).toEqual(new Set(firstTickPages.slice(1)));
    for (const { chunk, copy } of stalled.queued) expect(chunk).toEqual(copy);
  });
});
