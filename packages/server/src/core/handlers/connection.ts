import {
  type ClientFrameOf,
  PROTOCOL_VERSION,
  type PresenceEntry,
  sequenceDispatch,
  type User,
} from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import { randomChars } from '../ids';
import type { Runtime } from '../runtime';
import { Session } from '../session';
import { verifyClientToken } from './authenticate';
import { authorizeRooms } from './rooms';

const MAX_DISPLAY_NAME = 64;

/** Identify: authenticate, create the session, subscribe the initial rooms, register presence, answer ready. */
export async function onIdentify(
  rt: Runtime,
  connection: ClientConnection,
  frame: ClientFrameOf<'identify'>,
): Promise<void> {
  if (connection.state !== 'pre_identify') {
    rt.reject(connection, 'already_identified', 'This connection has identified already.', frame.ref);
    return;
  }
  const request = frame.payload;
  if (request.protocol_version !== undefined && request.protocol_version !== PROTOCOL_VERSION) {
    rt.lifecycle.close(connection, 'unsupported_version', `This server speaks protocol version ${PROTOCOL_VERSION}.`);
    return;
  }
  connection.state = 'identifying';
  const identity = await authenticate(rt, connection, request);
  if (identity === undefined || connection.state !== 'identifying') return;
  const { user, expiresAt } = identity;
  const session = new Session(
    randomChars(rt.options.random, 20),
    user,
    request.device_id ?? `dev-${randomChars(rt.options.random, 12)}`,
    request.device_type ?? 'other',
    rt.options,
  );
  const { granted, refused } = await authorizeRooms(rt, session, [...new Set(request.subscriptions ?? [])]);
  if (connection.state !== 'identifying') return;
  if (!rt.lifecycle.makeRoomFor(user.id)) {
    rt.lifecycle.close(
      connection,
      'too_many_connections',
      `At most ${rt.options.maxConnectionsPerUser} connections per user.`,
    );
    return;
  }

  // Everything from here to the ready frame is synchronous, so no dispatch can reach the client before it.
  rt.sessions.set(session.id, session);
  rt.lifecycle.attach(session, connection);
  rt.register(session, request.presence?.status ?? 'online', request.presence?.data);
  for (const roomId of granted) rt.joinRoom(session, roomId);
  session.send('ready', {
    session_id: session.id,
    user,
    device_id: session.deviceId,
    subscriptions: granted,
    presence: presenceSnapshot(rt, session),
    refused,
  });
  rt.authExpiry.set(connection, expiresAt);
  rt.options.logger.debug({ session_id: session.id, user_id: user.id, connection_id: connection.id }, 'identified');
}

async function authenticate(
  rt: Runtime,
  connection: ClientConnection,
  request: ClientFrameOf<'identify'>['payload'],
): Promise<{ user: User; expiresAt: number | undefined } | undefined> {
  const verify = rt.options.verifyToken;
  if (verify === undefined) {
    // Dev mode: the client names itself (seed 000's `user_id`); the server logged this loudly at start.
    const id = request.user_id ?? `guest-${randomChars(rt.options.random, 6)}`;
    return { user: withName(id, request.display_name), expiresAt: undefined };
  }
  const verified = await verifyClientToken(rt, connection, verify, request.token, 'identify');
  if (verified === undefined) return undefined;
  return { user: withName(verified.id, verified.display_name ?? request.display_name), expiresAt: verified.expires_at };
}

function withName(id: string, displayName: string | undefined): User {
  return displayName === undefined ? { id } : { id, display_name: displayName.slice(0, MAX_DISPLAY_NAME) };
}

/** Everyone online in global scope; otherwise the users sharing a room with this session (any instance). */
function presenceSnapshot(rt: Runtime, session: Session): PresenceEntry[] {
  if (rt.options.globalPresence) return rt.cluster.list();
  const userIds = new Set<string>([session.user.id]);
  for (const roomId of session.rooms) for (const userId of rt.cluster.roomUserIds(roomId)) userIds.add(userId);
  return [...userIds].flatMap((userId) => rt.cluster.entry(userId) ?? []);
}

export function onHeartbeat(connection: ClientConnection, frame: ClientFrameOf<'heartbeat'>): void {
  const lastSeq = frame.payload?.last_seq;
  const session = connection.session;
  // The client has everything up to last_seq, so the replay buffer need not keep it.
  if (session !== undefined && lastSeq !== undefined && lastSeq <= session.lastSeq) session.trimReplay(lastSeq);
  connection.send('heartbeat_ack', {}, frame.ref);
}

/** Gap repair on a live connection: resend the missed dispatches with their original seq. */
export function onReplay(rt: Runtime, session: Session, frame: ClientFrameOf<'replay'>): void {
  const since = frame.payload.since;
  const missed = since >= session.lastSeq ? [] : session.replay.since(since);
  if (missed === undefined) {
    rt.fail(session, 'replay_unavailable', `The replay buffer no longer reaches back to seq ${since}.`, frame.ref);
    return;
  }
  for (const entry of missed) session.write(sequenceDispatch(entry.prepared, entry.seq));
  rt.counters.replayedEvents += missed.length;
  rt.ack(session, { replayed: missed.length }, frame.ref);
}
