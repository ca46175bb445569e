import * as z from 'zod/mini';

/**
 * Only whole UTF-16 characters: a lone surrogate has no UTF-8 spelling, so two ids differing only in one
 * (`"\ud800"`, `"\udfff"`) would both become U+FFFD on a Redis channel or in a key and name the same room.
 */
export const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

/** Room, guild, channel, stream, recording and user ids: opaque, non-empty, bounded, well-formed. */
export const Id = z.string().check(z.minLength(1), z.maxLength(128), z.regex(WELL_FORMED));
export type Id = z.infer<typeof Id>;

/** Per-session dispatch sequence number: 1, 2, 3, … with no gaps. */
export const Seq = z.int().check(z.minimum(0));
export type Seq = z.infer<typeof Seq>;

/** Correlates a request with its `ack`/`error`/reply. Chosen by the client, echoed by the server. */
export const Ref = z.string().check(z.minLength(1), z.maxLength(64));
export type Ref = z.infer<typeof Ref>;

/** ISO 8601 timestamp in UTC, e.g. `2025-10-27T12:00:00.000Z`. */
export const Timestamp = z.string().check(z.minLength(10), z.maxLength(40));
export type Timestamp = z.infer<typeof Timestamp>;

/** A person's name as shown to others. */
export const DisplayName = z.string().check(z.maxLength(64));

/** Free-form application data attached to presence, messages and events. */
export const Data = z.record(z.string(), z.unknown());
export type Data = z.infer<typeof Data>;

export const PresenceStatus = z.enum(['online', 'idle', 'dnd', 'invisible']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

export const DeviceType = z.enum(['web', 'desktop', 'mobile', 'bot', 'other']);
export type DeviceType = z.infer<typeof DeviceType>;

/** The name of a recorded user-interface event (`mouse_click`). */
export const EventName = z.string().check(z.minLength(1), z.maxLength(64));

export const NonNegativeInt = z.int().check(z.minimum(0));
export const PositiveInt = z.int().check(z.minimum(1));
