import type { Redis } from 'ioredis';
import type { Ban, BanSettings, BanStore } from '../core/ports/ban-store';
import { banKey } from './keys';

/**
 * Writes the ban unless one that ends later is kept (ARGV: until, ttl ms, reason or ''), in one step, so two
 * instances writing at once keep the longer. The key expires when the ban ends.
 */
const BAN_SCRIPT = `
local kept = tonumber(redis.call('HGET', KEYS[1], 'until'))
if kept and kept >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'until', ARGV[1])
else
  redis.call('HSET', KEYS[1], 'until', ARGV[1], 'reason', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * Bans shared by every instance: one hash per banned user, expiring with the ban (TTL = what is left of it),
 * so none outlives its end. Errors are the caller's to handle: a ban that could not be written must be
 * reported, and the core decides what an unanswered lookup means.
 */
export class RedisBanStore implements BanStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly settings: BanSettings,
  ) {}

  async ban(userId: string, ban: Ban): Promise<void> {
    const ttlMs = Math.ceil(ban.until - this.settings.now());
    if (ttlMs <= 0) return;
    await this.redis.eval(BAN_SCRIPT, 1, banKey(this.prefix, userId), ban.until, ttlMs, ban.reason ?? '');
  }

  async find(userId: string): Promise<Ban | undefined> {
    const [until, reason] = await this.redis.hmget(banKey(this.prefix, userId), 'until', 'reason');
    const ends = Number(until);
    // Expired by the key's TTL, or ended on this instance's clock a moment before Redis let the key go.
    if (until === null || !Number.isFinite(ends) || ends <= this.settings.now()) return undefined;
    return typeof reason === 'string' ? { until: ends, reason } : { until: ends };
  }
}
