import type { ChatMessage } from '@gateway/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryPageQuery } from '../ports/shared-state';
import { belowStore, finishPage, pageOf } from './page';

const id = (n: number) => `m${String(n).padStart(4, '0')}`;

function message(n: number): ChatMessage {
  return { message_id: id(n), room_id: 'r', sender_id: 'u', kind: 'text', content: `c${n}`, created_at: 'x' };
}

/**
 * The gateway's side of one `chat.history` without positions, as `handlers/history.ts` runs it: the store's page,
 * then what the application's database answers below it (when there is one).
 */
function serve(kept: readonly ChatMessage[], database: readonly ChatMessage[] | undefined, query: HistoryPageQuery) {
  const page = pageOf(kept, query);
  const asked = database === undefined ? undefined : belowStore(query, page);
  let loaded: { asked: HistoryPageQuery; messages: ChatMessage[] } | undefined;
  if (asked !== undefined && database !== undefined) {
    const inRange = database.filter(
      (m) =>
        (asked.after === undefined || m.message_id > asked.after) &&
        (asked.before === undefined || m.message_id < asked.before),
    );
    const messages = asked.after === undefined ? inRange.slice(-asked.limit) : inRange.slice(0, asked.limit);
    loaded = { asked, messages };
  }
  return { ...finishPage(query, page, undefined, loaded, database !== undefined), asked };
}

describe('paging a room through the store and the application’s database', () => {
  it('yields every message once, in order, backwards and forwards, asking the database only below the store', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        (total, keptCount, limit, withDatabase) => {
          const all = Array.from({ length: total }, (_, i) => message(i + 1));
          const kept = all.slice(Math.max(0, total - keptCount));
          const database = withDatabase ? all : undefined;
          const reachable = (withDatabase ? all : kept).map((m) => m.message_id);
          const floor = kept[0]?.message_id;

          const backwards: string[] = [];
          let before: string | undefined;
          for (let pages = 0; pages <= total; pages++) {
            const got = serve(kept, database, { before, limit });
            expect(got.messages.length).toBeLessThanOrEqual(limit);
            // Pages wholly within what the store keeps never reach the database.
            if (floor !== undefined && got.messages.length === limit && got.messages[0]?.message_id !== undefined) {
              if (got.messages[0].message_id >= floor) expect(got.asked).toBeUndefined();
            }
            backwards.unshift(...got.messages.map((m) => m.message_id));
            if (!got.more) break;
            before = got.messages[0]?.message_id;
          }
          expect(backwards).toEqual(reachable);

          const forwards: string[] = [];
          let after = id(0);
          for (let pages = 0; pages <= total; pages++) {
            const got = serve(kept, database, { after, limit });
            forwards.push(...got.messages.map((m) => m.message_id));
            if (!got.more) break;
            after = got.messages.at(-1)?.message_id ?? after;
          }
          expect(forwards).toEqual(reachable);
        },
      ),
    );
  });
});
