/** Regions up to this size share pages; a bigger one gets a buffer of its own. */
export const PAGE_BYTES = 64 * 1024;
/** Ticks over which the number of pages kept for reuse follows a drop in traffic (about a second at light load). */
const SHRINK_TICKS = 256;
/**
 * With no tick for this long, the spare pages go: ticks shrink them only while traffic flows, and a burst
 * (a connect storm, a broadcast to thousands) would otherwise leave its peak's pages held through the quiet.
 * Under traffic a tick ends every few milliseconds, so this long without one means the burst is over; the
 * next one takes its pages again at one allocation each.
 */
export const IDLE_RELEASE_MS = 100;

/** Schedules the idle release (the transport's clock, so tests step it). */
export interface ArenaTimer {
  setTimeout(fn: () => void, ms: number): unknown;
}

/**
 * The memory sockets stage their frames of a tick in: regions carved from shared pages by a bump pointer,
 * the pages taken back whole when the tick ends. Staging in buffers of their own made a fan-out allocate
 * (and, as frames piled up, reallocate) one buffer per recipient per tick: at half a million deliveries a
 * second that garbage, outside V8's heap, drove major collections several times a second and the peak RSS
 * far above what the traffic needed.
 *
 * A page may be reused only when nothing still points into it. A socket whose bytes the kernel did not take
 * at once keeps its slice in its queue, so its page is `pin`ned and left to the garbage collector. Pages are
 * small so that such a socket holds on to little besides its own bytes: with one slab per tick, a few slow
 * readers each pinned a whole tick's worth of everyone's frames (60 MB for 20 stalled readers).
 */
export class StagingArena {
  /** The page regions are carved from now; undefined until the tick's first region. */
  private page: Buffer | undefined;
  private top = 0;
  /** Where the last region was carved: a shared page or a buffer of its own. */
  private last: Buffer | undefined;
  private lastShared = false;
  /** Pages handed out this tick, and those of them a socket's queue still points into. */
  private used: Buffer[] = [];
  private pinned: Set<Buffer> | undefined;
  private spare: Buffer[] = [];
  /** Roughly the most pages recent ticks used: how many spare pages are worth keeping. */
  private demand = 0;
  private ticks = 0;
  private idleCheck = false;

  constructor(private readonly timer?: ArenaTimer) {}

  /** Pages kept for reuse. */
  get spareCount(): number {
    return this.spare.length;
  }

  /** The buffer the last `carve` took its room from. */
  get slab(): Buffer {
    if (this.last === undefined) throw new Error('nothing carved yet');
    return this.last;
  }

  /** Whether the last region is on a shared page (and so must be pinned if a queue keeps it). */
  get shared(): boolean {
    return this.lastShared;
  }

  /** Room for `bytes` in `slab`, at the offset returned. The regions carved before stay valid. */
  carve(bytes: number): number {
    if (bytes > PAGE_BYTES) {
      this.last = Buffer.allocUnsafeSlow(bytes);
      this.lastShared = false;
      return 0;
    }
    let page = this.page;
    if (page === undefined || this.top + bytes > page.length) {
      page = this.spare.pop() ?? Buffer.allocUnsafeSlow(PAGE_BYTES);
      this.used.push(page);
      this.page = page;
      this.top = 0;
    }
    const start = this.top;
    this.top += bytes;
    this.last = page;
    this.lastShared = true;
    return start;
  }

  /** A socket's queue still points into `page`: it is not reused. */
  pin(page: Buffer): void {
    this.pinned ??= new Set();
    this.pinned.add(page);
  }

  /** The tick is over: every page not pinned is spare again. */
  endTick(): void {
    const used = this.used;
    this.demand = Math.max(used.length, this.demand - this.demand / SHRINK_TICKS);
    for (const page of used) if (this.pinned?.has(page) !== true) this.spare.push(page);
    this.spare.length = Math.min(this.spare.length, Math.ceil(this.demand));
    this.used = [];
    this.pinned = undefined;
    this.page = undefined;
    this.last = undefined;
    this.ticks++;
    if (this.spare.length > 0) this.watchIdle();
  }

  /** Lets the spare pages go once a whole `IDLE_RELEASE_MS` passes without a tick. */
  private watchIdle(): void {
    if (this.idleCheck || this.timer === undefined) return;
    this.idleCheck = true;
    const at = this.ticks;
    this.timer.setTimeout(() => {
      this.idleCheck = false;
      if (this.ticks !== at) {
        if (this.spare.length > 0) this.watchIdle();
        return;
      }
      this.spare = [];
      this.demand = 0;
    }, IDLE_RELEASE_MS);
  }
}
