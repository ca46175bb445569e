import type { CloseCodeName } from '@gateway/protocol';
import type { DisconnectOptions, DisconnectResult } from './api';
import type { Lifecycle } from './lifecycle';
import type { MaybePromise } from './maybe-promise';
import { banOf, commandMessage, type DisconnectCommand, disconnectProblem, readCommand } from './moderation-command';
import { type Backplane, type BackplaneNode, type Channel, MODERATION_CHANNEL } from './ports/backplane';
import type { Ban, BanStore } from './ports/ban-store';
import type { Clock } from './ports/clock';
import type { Logger } from './ports/logger';
import type { Registry } from './registry';
import type { Session } from './session';
import type { SendTarget } from './types';

const DEFAULT_REASON = 'An operator ended this session.';

/** What a banned user is told, at the disconnect and at each refusal: until when, and why. */
export function bannedReason(ban: Ban): string {
  const ends = `Banned until ${new Date(ban.until).toISOString()}`;
  return ban.reason === undefined ? `${ends}.` : `${ends}: ${ban.reason}`;
}

export interface ModerationSettings {
  readonly registry: Pick<Registry, 'session' | 'sessionsOf'>;
  readonly lifecycle: Pick<Lifecycle, 'close' | 'end'>;
  /** Absent when the shared state keeps no bans: a disconnect with a ban is then refused. */
  readonly bans: BanStore | undefined;
  readonly backplane: Backplane;
  readonly serverId: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Operators' disconnects and bans (docs/moderation.md). A disconnect is carried out here at once and published
 * on the `moderation` channel, so every other instance ends its own sessions of the target; a ban is stored
 * first, so an identify or resume that comes after it is refused on any instance (`refusal`).
 */
export class Moderation {
  private readonly node: BackplaneNode;

  constructor(private readonly settings: ModerationSettings) {
    this.node = settings.backplane.connect((channel, message) => this.heard(channel, readCommand(message)), {
      serverId: settings.serverId,
    });
    this.node.subscribe(MODERATION_CHANNEL);
  }

  async disconnect(target: SendTarget, options: DisconnectOptions = {}): Promise<DisconnectResult> {
    const problem = disconnectProblem(target, options);
    if (problem !== undefined) throw new TypeError(problem);
    const { registry, clock, serverId } = this.settings;
    const plain = 'userId' in target ? { userId: target.userId } : { sessionId: target.sessionId };
    let command: DisconnectCommand = { origin: serverId, target: plain, reason: options.reason, until: undefined };
    if (options.ban !== undefined) {
      const store = this.settings.bans;
      if (store === undefined) {
        throw new Error('This gateway keeps no bans: its sharedState has no `bans` (see SharedState.bans).');
      }
      const until = clock.now() + options.ban.ms;
      // A ban on a session is its user's: known here when the session is; otherwise its holder bans them.
      const userId = 'userId' in plain ? plain.userId : registry.session(plain.sessionId)?.user.id;
      if (userId !== undefined) command = { ...command, target: { userId }, until };
      else command = { ...command, until };
      const ban = banOf(command);
      if (userId !== undefined && ban !== undefined) await store.ban(userId, ban);
    }
    const disconnected = this.carryOut(command);
    this.node.publish(MODERATION_CHANNEL, commandMessage(command));
    this.settings.logger.info({ ...logged(command), disconnected }, 'moderation: disconnect');
    if (this.node.status().state !== 'ok') {
      this.settings.logger.warn(
        logged(command),
        'moderation: the backplane is degraded; other instances did not hear it',
      );
    }
    return { disconnected };
  }

  /** Why the user may not have a session now (banned), or undefined; a store that cannot answer admits (logged). */
  refusal(userId: string): MaybePromise<string | undefined> {
    const store = this.settings.bans;
    if (store === undefined) return undefined;
    const failed = (error: unknown) => {
      this.settings.logger.warn({ err: error, user_id: userId }, 'ban lookup failed; the user is let in');
      return undefined;
    };
    try {
      const found = store.find(userId);
      if (!(found instanceof Promise)) return found === undefined ? undefined : bannedReason(found);
      return found.then((ban) => (ban === undefined ? undefined : bannedReason(ban)), failed);
    } catch (error) {
      return failed(error);
    }
  }

  close(): void {
    this.node.close();
  }

  /** Another instance's command: carried out for this instance's sessions. */
  private heard(channel: Channel, command: DisconnectCommand | undefined): void {
    if (channel !== MODERATION_CHANNEL || command === undefined || command.origin === this.settings.serverId) return;
    const { target } = command;
    const ban = banOf(command);
    if ('sessionId' in target && ban !== undefined) {
      // A ban on a session this instance holds: it names the user, and the ban becomes the user's everywhere.
      const userId = this.settings.registry.session(target.sessionId)?.user.id;
      if (userId === undefined) return;
      const forUser: DisconnectCommand = { ...command, origin: this.settings.serverId, target: { userId } };
      // Stored first, as the asking instance would have: a client closed below finds it wherever it returns.
      void this.record(userId, ban).then(() => {
        const disconnected = this.carryOut(forUser);
        this.node.publish(MODERATION_CHANNEL, commandMessage(forUser));
        this.settings.logger.info({ ...logged(forUser), disconnected }, 'moderation: banned the user of a session');
      });
      return;
    }
    // Written again here so that a store of this process (gateways sharing an in-memory backplane) has it
    // too; a shared store keeps the ban that ends last, so this changes nothing there.
    if ('userId' in target && ban !== undefined) void this.record(target.userId, ban);
    const disconnected = this.carryOut(command);
    if (disconnected > 0) this.settings.logger.info({ ...logged(command), disconnected }, 'moderation: disconnect');
  }

  /** Ends this instance's sessions of the target, attached or detached; returns how many. */
  private carryOut(command: DisconnectCommand): number {
    const { registry, lifecycle } = this.settings;
    const { target } = command;
    const sessions: Session[] =
      'userId' in target
        ? [...registry.sessionsOf(target.userId)]
        : [registry.session(target.sessionId)].filter((session) => session !== undefined);
    const ban = banOf(command);
    const code: CloseCodeName = ban === undefined ? 'disconnected' : 'banned';
    const reason = ban === undefined ? (command.reason ?? DEFAULT_REASON) : bannedReason(ban);
    let ended = 0;
    for (const session of sessions) {
      if (session.ended) continue;
      const connection = session.connection;
      if (connection !== undefined) lifecycle.close(connection, code, reason);
      lifecycle.end(session);
      ended++;
    }
    return ended;
  }

  /** Stores a ban another instance asked for; settles either way (a failure is logged: nobody here can retry). */
  private async record(userId: string, ban: Ban): Promise<void> {
    try {
      await this.settings.bans?.ban(userId, ban);
    } catch (error) {
      this.settings.logger.error({ err: error, user_id: userId }, 'moderation: ban not stored');
    }
  }
}

function logged(command: DisconnectCommand): Record<string, unknown> {
  const { target, reason, until } = command;
  return {
    ...('userId' in target ? { user_id: target.userId } : { session_id: target.sessionId }),
    ...(reason === undefined ? {} : { reason }),
    ...(until === undefined ? {} : { banned_until: new Date(until).toISOString() }),
  };
}
