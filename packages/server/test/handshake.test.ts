import { CloseCode, PROTOCOL_VERSION } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { startTestServer } from './helpers/server';
import { connectClient } from './helpers/ws-client';

describe('handshake', () => {
  it('sends hello, then ready with session, user, device and a presence snapshot', async () => {
    const t = await startTestServer({ serverId: 'gw-test', heartbeatIntervalMs: 25_000 });
    const client = await connectClient(t.server.wsUrl);
    const hello = await client.next('hello');
    expect(hello.seq).toBeUndefined();
    expect(hello.payload).toEqual({
      protocol_version: PROTOCOL_VERSION,
      heartbeat_interval: 25_000,
      resume_window_ms: 120_000,
      limits: {
        max_frame_bytes: 16_384,
        max_content_length: 8192,
        max_rooms_per_connection: 100,
        max_connections_per_user: 10,
        max_json_depth: 32,
        rate_limits: {
          general: { burst: 200, per_second: 100 },
          typing: { burst: 5, per_second: 0.5 },
          recording: { burst: 100, per_second: 60 },
          heartbeat: { burst: 20, per_second: 2 },
          presence: { burst: 10, per_second: 1 },
        },
        typing_ttl_ms: 10_000,
        identify_timeout_ms: 10_000,
        max_presence_data_bytes: 2048,
        max_presence_snapshot: 1000,
        max_recover: 1000,
        max_room_snapshot: 100,
        presence_batch_ms: 0,
      },
      server_id: 'gw-test',
    });
    client.send({
      type: 'identify',
      payload: {
        user_id: 'alice',
        display_name: 'Alice',
        device_type: 'web',
        device_id: 'tab-1',
        protocol_version: 1,
        subscriptions: ['lobby'],
        presence: { status: 'idle', data: { mood: 'ok' } },
      },
    });
    const ready = await client.next('ready');
    expect(ready.seq).toBeUndefined();
    expect(ready.payload.session_id).toMatch(/^[0-9a-z]{20}$/);
    expect(ready.payload.user).toEqual({ id: 'alice', display_name: 'Alice' });
    expect(ready.payload.device_id).toBe('tab-1');
    expect(ready.payload.subscriptions).toEqual(['lobby']);
    const alice = {
      user_id: 'alice',
      display_name: 'Alice',
      status: 'idle',
      devices: [{ device_id: 'tab-1', device_type: 'web', status: 'idle' }],
      data: { mood: 'ok' },
      updated_at: expect.any(String),
    };
    expect(ready.payload.presence).toEqual([alice]);
    expect(ready.payload.presence_total).toBeUndefined();
    expect(ready.payload.rooms).toEqual([
      { room_id: 'lobby', member_count: 1, members: [alice], position: { epoch: expect.any(String), offset: 0 } },
    ]);
    client.ws.terminate();
  });

  it('makes up a guest user and a device id in dev mode when identify names none', async () => {
    const t = await startTestServer();
    const { ready } = await t.join({});
    expect(ready.payload.user.id).toMatch(/^guest-[0-9a-z]{6}$/);
    expect(ready.payload.device_id).toMatch(/^dev-/);
  });

  it('answers a resume of an unknown session with invalid_session (not resumable) and still accepts identify', async () => {
    const t = await startTestServer();
    const client = await t.connect();
    client.send({ type: 'resume', payload: { session_id: 'gone', seq: 4 } });
    const invalid = await client.next('invalid_session');
    expect(invalid.payload.resumable).toBe(false);
    client.send({ type: 'identify', payload: { user_id: 'bob' } });
    expect((await client.next('ready')).payload.user.id).toBe('bob');
  });

  it('closes 4406 for another protocol version', async () => {
    const t = await startTestServer();
    const client = await t.connect();
    client.send({ type: 'identify', payload: { user_id: 'a', protocol_version: 2 } });
    expect((await client.next('goodbye')).payload).toMatchObject({ code: 4406, resumable: false });
    expect((await client.closed).code).toBe(CloseCode.unsupported_version);
  });

  it('closes 4101 when no identify arrives within identify_timeout_ms (manual clock)', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ clock, identifyTimeoutMs: 5_000 });
    const client = await t.connect();
    clock.advance(4_999);
    await client.barrier(); // heartbeat is allowed before identify and proves the socket is still open
    clock.advance(1);
    expect((await client.next('goodbye')).payload).toMatchObject({ code: 4101, resumable: false });
    expect((await client.closed).code).toBe(CloseCode.identify_timeout);
  });
});
