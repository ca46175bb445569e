/** What `gateway.stats()` counts; incremented only through these methods. */
export class Counters {
  private framesInCount = 0;
  private framesOutCount = 0;
  private resumesOkCount = 0;
  private resumesRefusedCount = 0;
  private replayedCount = 0;

  frameIn(): void {
    this.framesInCount += 1;
  }

  frameOut(): void {
    this.framesOutCount += 1;
  }

  resumed(replayed: number): void {
    this.resumesOkCount += 1;
    this.replayedCount += replayed;
  }

  resumeRefused(): void {
    this.resumesRefusedCount += 1;
  }

  /** Dispatches sent again for a `replay` request. */
  replayed(count: number): void {
    this.replayedCount += count;
  }

  snapshot(): {
    frames_in: number;
    frames_out: number;
    resumes_ok: number;
    resumes_refused: number;
    replayed_events: number;
  } {
    return {
      frames_in: this.framesInCount,
      frames_out: this.framesOutCount,
      resumes_ok: this.resumesOkCount,
      resumes_refused: this.resumesRefusedCount,
      replayed_events: this.replayedCount,
    };
  }
}
