/** A slab's first size: a light tick's frames for a few hundred sockets. */
const INITIAL_SLAB_BYTES = 64 * 1024;
/** A slab this big is given back once ticks have long used less than an eighth of it: one burst does not pin it. */
const SHRINK_ABOVE_BYTES = 1024 * 1024;
/** How many ticks in a row must use that little of a big slab: about a second at light load. */
const SHRINK_AFTER_TICKS = 256;

/**
 * The memory every socket of a transport stages its frames of a tick in, carved from one slab by a bump
 * pointer and taken back whole when the tick ends. Staging in buffers of their own made a fan-out allocate
 * (and, as frames piled up, reallocate) one buffer per recipient per tick: at half a million deliveries a
 * second that garbage, outside V8's heap, drove major collections several times a second and the peak RSS
 * far above what the traffic needed.
 *
 * A slab may be reused only when nothing still points into it: the coalescer says at the end of each tick
 * whether every socket handed its bytes to the kernel at once. A socket that could not (a slow reader) keeps
 * its slice of the slab in its queue, so that slab is left to the garbage collector and a new one is used.
 */
export class StagingArena {
  private current: Buffer | undefined;
  private top = 0;
  /** The size of the next slab: as big as the last one a tick needed, until ticks need far less. */
  private size = INITIAL_SLAB_BYTES;
  /** Ticks in a row that used less than an eighth of a big slab. */
  private smallTicks = 0;

  /** The slab the last `carve` took its room from. */
  get slab(): Buffer {
    if (this.current === undefined) throw new Error('nothing carved yet');
    return this.current;
  }

  /**
   * Room for `bytes` in `slab`, at the offset returned; from a new, bigger slab when the current one is full
   * (the regions carved from the old one stay valid: they keep it alive).
   */
  carve(bytes: number): number {
    const slab = this.current;
    if (slab === undefined || this.top + bytes > slab.length) {
      if (slab !== undefined) this.size = 2 * slab.length;
      this.size = Math.max(this.size, bytes);
      this.current = Buffer.allocUnsafeSlow(this.size);
      this.top = 0;
    }
    const start = this.top;
    this.top += bytes;
    return start;
  }

  /**
   * The tick is over. `reusable`: every byte carved from the slab this tick was handed to the kernel (or
   * dropped), so the slab may be written over; otherwise some socket's queue still holds a slice of it.
   */
  endTick(reusable: boolean): void {
    const slab = this.current;
    if (slab === undefined) return;
    const used = this.top;
    this.top = 0;
    this.smallTicks = slab.length > SHRINK_ABOVE_BYTES && used < slab.length / 8 ? this.smallTicks + 1 : 0;
    if (this.smallTicks >= SHRINK_AFTER_TICKS) {
      // Sized again for what the light ticks since needed, not for the burst.
      this.size = Math.max(INITIAL_SLAB_BYTES, 2 * used);
      this.current = undefined;
      this.smallTicks = 0;
    } else if (!reusable) {
      this.current = undefined;
    }
  }
}
