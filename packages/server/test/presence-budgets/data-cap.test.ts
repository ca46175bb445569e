import { describe, expect, it } from 'vitest';
import { request } from '../helpers/requests';
import { startTestServer } from '../helpers/server';

/** `{"t":"é…é"}`: 8 bytes of JSON around `count` two-byte characters. */
const accented = (count: number, tail = '') => ({ t: 'é'.repeat(count) + tail });

describe('presence data is capped (maxPresenceDataBytes)', () => {
  it('announces the cap and the snapshot size in hello.limits', async () => {
    const t = await startTestServer({ maxPresenceDataBytes: 512, maxPresenceSnapshot: 50 });
    const client = await t.open();
    const hello = await client.next('hello');
    expect(hello.payload.limits).toMatchObject({ max_presence_data_bytes: 512, max_presence_snapshot: 50 });
    const defaults = await (await startTestServer()).open();
    expect((await defaults.next('hello')).payload.limits).toMatchObject({
      max_presence_data_bytes: 2048,
      max_presence_snapshot: 1000,
    });
  });

  it('refuses a presence.update above it with payload_too_large; nothing changes and nobody is told', async () => {
    const t = await startTestServer();
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann } = await t.join({ user_id: 'ann' });
    await watcher.nextChange('joined', 'ann');

    const refused = await request(ann, 'presence.update', { status: 'dnd', data: { blob: 'x'.repeat(15_000) } });
    expect(refused.type).toBe('error');
    expect(refused.payload.code).toBe('payload_too_large');
    // The next accepted update is the first the watcher hears: the refused one never went out.
    expect((await request(ann, 'presence.update', { status: 'idle' })).type).toBe('ack');
    const update = await watcher.nextChange('updated', 'ann');
    expect(update.entry).toMatchObject({ user_id: 'ann', status: 'idle' });
    expect(update.entry.data).toBeUndefined();
    await watcher.barrier();
    expect(watcher.changes().filter((change) => change.kind === 'updated')).toHaveLength(1);
  });

  it('counts the bytes of the JSON in UTF-8: 2048 fit, 2049 do not', async () => {
    const t = await startTestServer();
    const { client: ann } = await t.join({ user_id: 'ann' });
    // 8 + 2 × 1020 = 2048 bytes, though only 1028 UTF-16 units.
    expect((await request(ann, 'presence.update', { status: 'online', data: accented(1020) })).type).toBe('ack');
    const over = await request(ann, 'presence.update', { status: 'online', data: accented(1020, 'a') });
    expect(over.payload.code).toBe('payload_too_large');
    expect(t.server.gateway.presence().find((entry) => entry.user_id === 'ann')?.data).toEqual(accented(1020));
  });

  it('lets an identify with data above it in without the data, and tells the client why', async () => {
    const t = await startTestServer({ maxPresenceDataBytes: 100 });
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann, ready } = await t.join({
      user_id: 'ann',
      presence: { status: 'dnd', data: { blob: 'x'.repeat(200) } },
    });
    expect(ready.payload.session_id).toEqual(expect.any(String));
    const error = await ann.next('error');
    expect(error.payload.code).toBe('payload_too_large');
    const join = await watcher.nextChange('joined', 'ann');
    expect(join.entry).toMatchObject({ user_id: 'ann', status: 'dnd' });
    expect(join.entry.data).toBeUndefined();
  });

  it('does not tell anyone of an update that changes nothing', async () => {
    const t = await startTestServer();
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann } = await t.join({ user_id: 'ann' });
    await watcher.nextChange('joined', 'ann');
    for (let i = 0; i < 3; i++) {
      expect((await request(ann, 'presence.update', { status: 'dnd', data: { mood: 'busy' } })).type).toBe('ack');
    }
    await watcher.barrier();
    // Each request came in a turn of its own: a repeat that announced itself would be a diff of its own.
    const updates = watcher.changes().filter((change) => change.kind === 'updated');
    expect(updates.map((change) => [change.userId, change.entry.status, change.entry.data])).toEqual([
      ['ann', 'dnd', { mood: 'busy' }],
    ]);
  });
});
