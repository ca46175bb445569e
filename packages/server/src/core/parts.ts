import type { DeviceType, User } from '@gateway/protocol';
import type { AcceptedSend } from './chat-types';
import type { Counters } from './counters';
import type { Delivery } from './delivery/delivery';
import type { Extensions } from './extensions';
import type { HistoryLoads } from './history/loads';
import type { InFlight } from './in-flight';
import type { Lifecycle } from './lifecycle';
import type { AuthExpirySweep } from './liveness/auth-expiry';
import type { Membership } from './membership';
import type { ResolvedOptions } from './options';
import type { DedupStore, HistoryStore } from './ports/shared-state';
import type { UnpublishedStore } from './ports/unpublished-store';
import type { Presence } from './presence/presence';
import type { RecordingStore } from './recordings';
import type { Registry } from './registry';
import type { Replies } from './replies';
import type { Session } from './session';
import type { Shutdown } from './shutdown';
import type { Stamps } from './stamps';
import type { StreamStore } from './streams';
import type { TypingTracker } from './typing';

/**
 * The core's components, each owning its own state behind methods. The gateway assembles them once; every
 * frame handler declares the few it uses (`Pick<Parts, …>`), so a test can hand it just those.
 */
export interface Parts {
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  readonly delivery: Delivery;
  readonly presence: Presence;
  readonly membership: Membership;
  readonly lifecycle: Lifecycle;
  readonly replies: Replies;
  readonly stamps: Stamps;
  readonly counters: Counters;
  readonly typing: TypingTracker;
  /** In process, or shared by every instance (Redis) when options.sharedState says so. */
  readonly history: HistoryStore;
  /** Each session's `loadHistory` calls, one at a time. */
  readonly historyLoads: HistoryLoads;
  readonly dedup: DedupStore<AcceptedSend>;
  /** Accepted messages not yet published, for another instance to finish if this one dies (Redis only). */
  readonly unpublished: UnpublishedStore | undefined;
  readonly streams: StreamStore;
  readonly recordings: RecordingStore;
  readonly inFlight: InFlight;
  readonly authExpiry: AuthExpirySweep;
  readonly shutdown: Shutdown;
  readonly extensions: Extensions;
  /** A session with the gateway's replay limits. */
  newSession(id: string, user: User, deviceId: string, deviceType: DeviceType): Session;
}
