/** Whether the gateway is stopping: set once by `stop()`, read by whatever must refuse new work. */
export class Shutdown {
  private begun = false;

  get stopping(): boolean {
    return this.begun;
  }

  begin(): void {
    this.begun = true;
  }
}
