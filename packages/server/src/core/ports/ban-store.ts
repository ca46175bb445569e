import type { MaybePromise } from '../maybe-promise';

/** An operator's ban on a user (moderation): their `identify` and `resume` are refused until `until`. */
export interface Ban {
  /** When the ban ends: epoch ms on the gateway's clock. */
  readonly until: number;
  /** The operator's reason, told to the user with each refusal. */
  readonly reason?: string;
}

/**
 * Where bans are kept: in this process, or shared by every instance (Redis), so a banned user is refused
 * whichever instance a balancer sends them to. A ban is gone by itself once it ends (a Redis key expires
 * then), so bans never pile up.
 */
export interface BanStore {
  /**
   * Bans the user until `ban.until`. A ban already kept that ends later stays as it is: bans are never
   * shortened by accident (a second instance writing the same ban, or a shorter one after a longer).
   */
  ban(userId: string, ban: Ban): MaybePromise<void>;
  /** The user's ban while it lasts; undefined once it has ended, or when there is none. */
  find(userId: string): MaybePromise<Ban | undefined>;
}

export interface BanSettings {
  /** The gateway's clock: when a ban ends, and how long a shared store keeps it. */
  readonly now: () => number;
}
