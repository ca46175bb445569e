import type { Ban, BanSettings, BanStore } from '../core/ports/ban-store';

/**
 * One process's bans: answers synchronously. An ended ban is dropped when its user is looked up and at every
 * new ban (all ended ones then), so the map holds little more than the bans in force.
 */
export class InMemoryBanStore implements BanStore {
  private readonly bans = new Map<string, Ban>();

  constructor(private readonly settings: BanSettings) {}

  /** Bans kept now, ended ones not yet dropped included. */
  get size(): number {
    return this.bans.size;
  }

  ban(userId: string, ban: Ban): void {
    const now = this.settings.now();
    for (const [user, kept] of this.bans) if (kept.until <= now) this.bans.delete(user);
    if (ban.until <= now) return;
    const kept = this.bans.get(userId);
    if (kept === undefined || kept.until < ban.until) this.bans.set(userId, ban);
  }

  find(userId: string): Ban | undefined {
    const ban = this.bans.get(userId);
    if (ban === undefined || ban.until > this.settings.now()) return ban;
    this.bans.delete(userId);
    return undefined;
  }
}
