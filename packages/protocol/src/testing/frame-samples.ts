// One valid frame of every built-in type, per direction, shared by the codec and JSON Schema tests.
// Typed as complete maps, so adding a frame type without a sample here fails to compile.
import type { ChatMessage, PresenceEntry } from '../entities';
import type { Limits } from '../frames/connection';
import type { ClientFrameOf, ClientFrameType, ServerFrameOf, ServerFrameType } from '../unions';

const at = '2025-10-27T12:00:00.000Z';

/** Limits a server may announce in `hello`: the reference server's defaults. Shared by every test that plays a server. */
export const sampleLimits: Limits = {
  max_frame_bytes: 16_384,
  max_content_length: 8192,
  max_rooms_per_connection: 100,
  max_connections_per_user: 10,
  max_json_depth: 32,
  rate_limits: {
    general: { burst: 200, per_second: 100 },
    typing: { burst: 5, per_second: 0.5 },
    recording: { burst: 100, per_second: 60 },
  },
  typing_ttl_ms: 10_000,
  identify_timeout_ms: 10_000,
};

export const samplePresence: PresenceEntry = {
  user_id: 'user-1',
  display_name: 'Ada',
  status: 'online',
  devices: [{ device_id: 'dev-1', device_type: 'web', status: 'online' }],
  data: { activity: 'reading' },
  updated_at: at,
};

export const sampleMessage: ChatMessage = {
  message_id: 'msg-1',
  room_id: 'room-1',
  sender_id: 'user-1',
  sender_name: 'Ada',
  client_msg_id: 'c-1',
  kind: 'text',
  content: 'Hello!',
  created_at: at,
};

export const clientSamples: { readonly [K in ClientFrameType]: ClientFrameOf<K> } = {
  identify: {
    type: 'identify',
    payload: {
      token: 'jwt',
      device_type: 'web',
      device_id: 'dev-1',
      protocol_version: 1,
      subscriptions: ['room-1'],
      presence: { status: 'online' },
    },
  },
  resume: { type: 'resume', payload: { session_id: 'sess-1', seq: 41, token: 'jwt' } },
  heartbeat: { type: 'heartbeat', payload: { last_seq: 41 } },
  heartbeat_ack: { type: 'heartbeat_ack' },
  replay: { type: 'replay', payload: { since: 12 }, ref: 'r1' },
  reauth: { type: 'reauth', payload: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' }, ref: 'r2' },
  subscribe: { type: 'subscribe', payload: { room_ids: ['room-1', 'room-2'] }, ref: 'r2' },
  unsubscribe: { type: 'unsubscribe', payload: { room_ids: ['room-2'] }, ref: 'r3' },
  'guild.subscribe': { type: 'guild.subscribe', payload: { guild_id: 'guild-1' }, ref: 'r4' },
  'guild.unsubscribe': { type: 'guild.unsubscribe', payload: { guild_id: 'guild-1' }, ref: 'r5' },
  'chat.send': {
    type: 'chat.send',
    payload: { room_id: 'room-1', client_msg_id: 'c-1', content: 'Hello!', kind: 'text', metadata: { lang: 'en' } },
    ref: 'r6',
  },
  'chat.edit': { type: 'chat.edit', payload: { room_id: 'room-1', message_id: 'msg-1', content: 'Hi!' }, ref: 'r7' },
  'chat.delete': { type: 'chat.delete', payload: { room_id: 'room-1', message_id: 'msg-1' }, ref: 'r8' },
  'chat.history': { type: 'chat.history', payload: { room_id: 'room-1', limit: 20 }, ref: 'r9' },
  'chat.stream_fetch': { type: 'chat.stream_fetch', payload: { stream_id: 'st-1', from_index: 3 }, ref: 'r10' },
  'presence.update': { type: 'presence.update', payload: { status: 'idle', data: { mood: 'busy' } }, ref: 'r11' },
  'presence.list': { type: 'presence.list', payload: { room_id: 'general', after: 'u-42', limit: 100 }, ref: 'r11b' },
  'typing.start': { type: 'typing.start', payload: { room_id: 'room-1' } },
  'typing.stop': { type: 'typing.stop', payload: { room_id: 'room-1' } },
  'recording.start': { type: 'recording.start', payload: { room_id: 'room-1', metadata: { app: 'x' } }, ref: 'r12' },
  'recording.event': {
    type: 'recording.event',
    payload: { recording_id: 'rec-1', event: 'mouse_click', data: { x: 100, y: 200 } },
  },
  'recording.stop': { type: 'recording.stop', payload: { recording_id: 'rec-1' }, ref: 'r13' },
};

export const serverSamples: { readonly [K in ServerFrameType]: ServerFrameOf<K> } = {
  hello: {
    type: 'hello',
    payload: {
      protocol_version: 1,
      heartbeat_interval: 30_000,
      resume_window_ms: 120_000,
      limits: sampleLimits,
      server_id: 'gw-1',
    },
  },
  ready: {
    type: 'ready',
    payload: {
      session_id: 'sess-1',
      user: { id: 'user-1', display_name: 'Ada' },
      device_id: 'dev-1',
      subscriptions: ['room-1'],
      presence: [samplePresence],
      rooms: [{ room_id: 'room-1', member_count: 2, members: [samplePresence], members_next: 'user-1' }],
    },
  },
  resumed: { type: 'resumed', payload: { session_id: 'sess-1', replayed: 3 } },
  invalid_session: { type: 'invalid_session', payload: { resumable: false, reason: 'unknown session' } },
  reconnect: { type: 'reconnect', payload: { after_ms: 1000, jitter_ms: 5000, reason: 'deploy' } },
  goodbye: { type: 'goodbye', payload: { code: 4002, reason: 'server stopping', resumable: true } },
  'auth.expiring': {
    type: 'auth.expiring',
    payload: { expires_at: '2025-10-27T13:00:00.000Z', expires_in_ms: 60000 },
  },
  heartbeat: { type: 'heartbeat' },
  heartbeat_ack: { type: 'heartbeat_ack' },
  ack: {
    type: 'ack',
    payload: { status: 'accepted', message_id: 'msg-1', client_msg_id: 'c-1', room_id: 'room-1' },
    ref: 'r6',
  },
  error: {
    type: 'error',
    payload: { code: 'not_subscribed', message: 'Subscribe to room-9 first.', details: { room_id: 'room-9' } },
    ref: 'r6',
  },
  subscribed: {
    type: 'subscribed',
    payload: {
      rooms: [{ room_id: 'room-1', member_count: 1, members: [samplePresence], recent_messages: [sampleMessage] }],
      refused: [{ room_id: 'room-2', code: 'forbidden', message: 'Not a member.' }],
    },
    ref: 'r2',
  },
  unsubscribed: { type: 'unsubscribed', payload: { room_ids: ['room-2'] }, ref: 'r3' },
  'chat.message': { type: 'chat.message', seq: 1, payload: sampleMessage },
  'chat.message.update': {
    type: 'chat.message.update',
    seq: 2,
    payload: { message_id: 'msg-1', room_id: 'room-1', content: 'Hi!', edited_at: at },
  },
  'chat.message.delete': { type: 'chat.message.delete', seq: 3, payload: { message_id: 'msg-1', room_id: 'room-1' } },
  'chat.stream_start': {
    type: 'chat.stream_start',
    seq: 4,
    payload: { stream_id: 'st-1', room_id: 'room-1', sender_id: 'bot-1', kind: 'text', started_at: at },
  },
  'chat.stream_chunk': {
    type: 'chat.stream_chunk',
    seq: 5,
    payload: { stream_id: 'st-1', room_id: 'room-1', index: 0, content: 'Hel' },
  },
  'chat.stream_end': {
    type: 'chat.stream_end',
    seq: 6,
    payload: { stream_id: 'st-1', room_id: 'room-1', chunks: 1, message: sampleMessage },
  },
  'presence.diff': {
    type: 'presence.diff',
    seq: 7,
    payload: { room_id: 'room-1', joined: [samplePresence], left: ['user-9'], count: 1 },
  },
  'typing.start': {
    type: 'typing.start',
    payload: { room_id: 'room-1', user_id: 'user-2', display_name: 'Bo', expires_in_ms: 10_000 },
  },
  'typing.stop': { type: 'typing.stop', payload: { room_id: 'room-1', user_id: 'user-2' } },
  'recording.start': {
    type: 'recording.start',
    seq: 10,
    payload: { recording_id: 'rec-1', room_id: 'room-1', user_id: 'user-1', started_at: at },
  },
  'recording.event': {
    type: 'recording.event',
    seq: 11,
    payload: {
      recording_id: 'rec-1',
      room_id: 'room-1',
      user_id: 'user-1',
      index: 0,
      event: 'mouse_click',
      data: { x: 100, y: 200 },
      at,
    },
  },
  'recording.stop': {
    type: 'recording.stop',
    seq: 12,
    payload: { recording_id: 'rec-1', room_id: 'room-1', user_id: 'user-1', events: 1, stopped_at: at },
  },
  'guild.create': {
    type: 'guild.create',
    seq: 13,
    payload: { guild_id: 'guild-1', name: 'Guild', owner_id: 'user-1' },
  },
  'guild.update': { type: 'guild.update', seq: 14, payload: { guild_id: 'guild-1', name: 'Renamed' } },
  'guild.delete': { type: 'guild.delete', seq: 15, payload: { guild_id: 'guild-1' } },
  'channel.create': {
    type: 'channel.create',
    seq: 16,
    payload: { guild_id: 'guild-1', channel_id: 'ch-1', name: 'general', kind: 'text', position: 0 },
  },
  'channel.update': { type: 'channel.update', seq: 17, payload: { guild_id: 'guild-1', channel_id: 'ch-1' } },
  'channel.delete': { type: 'channel.delete', seq: 18, payload: { guild_id: 'guild-1', channel_id: 'ch-1' } },
  'guild_member.add': {
    type: 'guild_member.add',
    seq: 19,
    payload: { guild_id: 'guild-1', user_id: 'user-2', nickname: 'Bo', roles: ['mod'] },
  },
  'guild_member.remove': { type: 'guild_member.remove', seq: 20, payload: { guild_id: 'guild-1', user_id: 'user-2' } },
  'user.update': { type: 'user.update', seq: 21, payload: { user_id: 'user-1', display_name: 'Ada L.' } },
  'voice.state.update': {
    type: 'voice.state.update',
    seq: 22,
    payload: { guild_id: 'guild-1', channel_id: null, user_id: 'user-1', muted: false },
  },
  'voice.server.update': {
    type: 'voice.server.update',
    seq: 23,
    payload: { guild_id: 'guild-1', endpoint: 'voice.example:443', token: 'vt' },
  },
  system: { type: 'system', seq: 24, payload: { message: 'Welcome!', level: 'info' } },
};
