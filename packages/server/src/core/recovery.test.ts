import { describe, expect, it } from 'vitest';
import { InMemoryRoomLogs } from '../memory/room-logs';
import { withPosition } from './delivery/fanout';
import type { ResolvedOptions } from './options';
import type { BackplaneMessage } from './ports/backplane';
import { silentLogger } from './ports/logger';
import { DEFAULT_LOG_RETENTION } from './ports/room-logs';
import { holdRecovering, recoverRooms } from './recovery';
import { Session } from './session';

const limits = { replayBufferEvents: 10_000, replayBufferBytes: 4 * 1024 * 1024 };
const newSession = (id = 's1', userId = 'u1') => new Session(id, { id: userId }, 'd1', 'web', limits);
const message = (n: number, exclude?: BackplaneMessage['exclude']): BackplaneMessage => ({
  type: 'chat.message',
  body: `"type":"chat.message","payload":{"n":${n}}}`,
  sequenced: true,
  log: true,
  ...(exclude === undefined ? {} : { exclude }),
});

function setup(maxEntries = 1000) {
  const logs = new InMemoryRoomLogs({ now: () => 0, retentionFor: () => ({ ...DEFAULT_LOG_RETENTION, maxEntries }) });
  const rt = (maxRecover = 1000) => ({
    options: {
      backplane: { connect: () => undefined as never, logs },
      maxRecover,
      logger: silentLogger,
    } as unknown as ResolvedOptions,
  });
  /** Publishes into the log and delivers live to `sessions`, as the backplane and the fan-out would. */
  const publish = (room: string, n: number, sessions: Session[], exclude?: BackplaneMessage['exclude']) => {
    const sent = message(n, exclude);
    const logged = logs.append(room, sent);
    const live = { ...withPosition(sent, logged), logged };
    for (const session of sessions) session.dispatch(live);
    return logged;
  };
  return { logs, rt, publish };
}

/** The offsets a session was sent, in seq order, read back from its replay buffer. */
const offsetsSent = (session: Session) =>
  (session.replay.since(0) ?? []).map((entry) => JSON.parse(`{${entry.prepared.body}`).pos.offset as number);

describe('room recovery', () => {
  it('replays what was missed, then what arrived live meanwhile, each offset once and in order', async () => {
    const { rt, publish } = setup();
    const seen = publish('team', 1, []);
    for (let n = 2; n <= 5; n++) publish('team', n, []);
    const session = newSession();
    const held = holdRecovering(session, [{ room_id: 'team', epoch: seen.epoch, offset: 1 }], ['team']);
    // Live dispatches between the join and the read: one the read will cover, then one after it.
    publish('team', 6, [session]);
    const plan = await recoverRooms(rt(), session, held);
    publish('team', 7, [session]);
    expect(offsetsSent(session)).toEqual([]);
    expect(plan.answers).toEqual([{ room_id: 'team', recovered: true, replayed: 5 }]);
    plan.replay();
    expect(offsetsSent(session)).toEqual([2, 3, 4, 5, 6, 7]);
    publish('team', 8, [session]);
    expect(offsetsSent(session)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('says where the hole is when the log no longer reaches back, and replays what it keeps', async () => {
    const { rt, publish } = setup(3);
    const seen = publish('team', 1, []);
    for (let n = 2; n <= 8; n++) publish('team', n, []);
    const session = newSession();
    const held = holdRecovering(session, [{ room_id: 'team', epoch: seen.epoch, offset: 1 }], ['team']);
    const plan = await recoverRooms(rt(), session, held);
    expect(plan.answers).toEqual([
      { room_id: 'team', recovered: false, replayed: 3, reason: 'too_old', missed_from: 2, missed_to: 5 },
    ]);
    plan.replay();
    expect(offsetsSent(session)).toEqual([6, 7, 8]);
  });

  it('replays the newest max_recover when more were missed', async () => {
    const { rt, publish } = setup();
    const seen = publish('team', 1, []);
    for (let n = 2; n <= 10; n++) publish('team', n, []);
    const session = newSession();
    const held = holdRecovering(session, [{ room_id: 'team', epoch: seen.epoch, offset: 1 }], ['team']);
    const plan = await recoverRooms(rt(4), session, held);
    expect(plan.answers).toEqual([
      { room_id: 'team', recovered: false, replayed: 4, reason: 'too_many', missed_from: 2, missed_to: 6 },
    ]);
    plan.replay();
    expect(offsetsSent(session)).toEqual([7, 8, 9, 10]);
  });

  it('replays nothing for another epoch or an offset past the head, and lets live dispatches through', async () => {
    const { rt, publish } = setup();
    publish('team', 1, []);
    const session = newSession();
    const held = holdRecovering(
      session,
      [
        { room_id: 'team', epoch: 'gone', offset: 40 },
        { room_id: 'lobby', epoch: 'whatever', offset: 0 },
      ],
      ['team', 'lobby'],
    );
    publish('team', 2, [session]);
    const plan = await recoverRooms(rt(), session, held);
    expect(plan.answers.map((answer) => [answer.room_id, answer.reason])).toEqual([
      ['team', 'epoch_changed'],
      ['lobby', 'epoch_changed'],
    ]);
    plan.replay();
    expect(offsetsSent(session)).toEqual([2]);
  });

  it('skips what excluded this session or its user, as the live fan-out did', async () => {
    const { rt, publish } = setup();
    const seen = publish('team', 1, []);
    publish('team', 2, [], { users: ['u1'] });
    publish('team', 3, [], { sessions: ['s1'] });
    publish('team', 4, [], { users: ['someone-else'] });
    const session = newSession('s1', 'u1');
    const held = holdRecovering(session, [{ room_id: 'team', epoch: seen.epoch, offset: 1 }], ['team']);
    const plan = await recoverRooms(rt(), session, held);
    expect(plan.answers).toEqual([{ room_id: 'team', recovered: true, replayed: 1 }]);
    plan.replay();
    expect(offsetsSent(session)).toEqual([4]);
  });

  it('holds only granted rooms, the first position of each, and answers unavailable without logs', async () => {
    const session = newSession();
    const held = holdRecovering(
      session,
      [
        { room_id: 'a', epoch: 'e', offset: 1 },
        { room_id: 'a', epoch: 'e', offset: 9 },
        { room_id: 'refused', epoch: 'e', offset: 1 },
      ],
      ['a', 'b'],
    );
    expect(held).toEqual([{ room_id: 'a', epoch: 'e', offset: 1 }]);
    const noLogs = {
      options: {
        backplane: { connect: () => undefined as never },
        maxRecover: 10,
        logger: silentLogger,
      } as unknown as ResolvedOptions,
    };
    const plan = await recoverRooms(noLogs, session, held);
    expect(plan.answers).toEqual([{ room_id: 'a', recovered: false, replayed: 0, reason: 'unavailable' }]);
  });
});
