import type { Data, PresenceEntry } from '@gateway/protocol';

/** One page of presence in user id order; `next` is the `after` of the following page, absent on the last. */
export interface PresencePage {
  readonly entries: PresenceEntry[];
  readonly next?: string;
}

/** How a page reads the users it walks over. */
export interface PageSource {
  /** User ids in code unit order, visible or not. */
  readonly ids: readonly string[];
  /** Where in `ids` the page starts. */
  readonly start: number;
  readonly entry: (userId: string) => PresenceEntry | undefined;
  /** Bytes of the JSON of the user's entry. */
  readonly bytes: (userId: string) => number;
  readonly visible: (userId: string) => boolean;
}

/** Bytes of a page's entries in JSON, at most: a page stops before one more entry would pass it. */
export const PRESENCE_PAGE_MAX_BYTES = 256 * 1024;

/**
 * The bytes a page of presence may take on a connection whose unsent bytes are capped at `maxBufferedBytes`:
 * a quarter of that cap, so the page itself can never close its reader as a slow consumer, and at most
 * `PRESENCE_PAGE_MAX_BYTES` (the reference client refuses frames above 1 MiB).
 */
export function pageBytesFor(maxBufferedBytes: number): number {
  return Math.max(1, Math.min(PRESENCE_PAGE_MAX_BYTES, Math.floor(maxBufferedBytes / 4)));
}

/**
 * The visible users from `source.start` on, at most `limit` of them and, past the first, no more than
 * `maxBytes` of JSON. `next` is set only when another visible user follows, so the last page says so.
 */
export function takePage(source: PageSource, limit: number, maxBytes: number): PresencePage {
  const { ids, entry, bytes: bytesOf, visible } = source;
  const entries: PresenceEntry[] = [];
  let bytes = 0;
  let at = source.start;
  for (; at < ids.length && entries.length < limit; at++) {
    const id = ids[at] as string;
    const found = entry(id);
    if (found === undefined) continue;
    bytes += bytesOf(id) + 1;
    if (bytes > maxBytes && entries.length > 0) break;
    entries.push(found);
  }
  const last = entries[entries.length - 1];
  for (; at < ids.length; at++) {
    if (visible(ids[at] as string)) return last === undefined ? { entries } : { entries, next: last.user_id };
  }
  return { entries };
}

/** The bytes of presence data as the wire carries it: its JSON in UTF-8. */
export function presenceDataBytes(data: Data): number {
  return jsonBytes(data);
}

/** The bytes of a value's JSON in UTF-8. */
export function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  let bytes = json.length;
  for (let i = 0; i < json.length; i++) {
    const unit = json.charCodeAt(i);
    // One unit below 0x80 is one byte; below 0x800 two; a surrogate pair (two units) four; the rest three.
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}
