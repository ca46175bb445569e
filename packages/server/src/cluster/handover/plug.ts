import type { Fanout } from '../../core/delivery/fanout';
import type { CoreSeams } from '../../core/gateway';
import { type BackplaneMessage, type Channel, nodeChannel } from '../../core/ports/backplane';
import type { SessionRecords } from '../../core/ports/session-store';
import { payloadFields } from '../payload';
import type { Liveness } from '../presence/liveness';
import { SWEEP_MS } from '../resume/tracker';
import { Giver } from './giver';
import { HANDOVER, isHandoverMessage, readAsk, readOffer, readRing } from './messages';
import { RecordKeeper } from './record-keeper';
import { Release } from './release';
import { type HolderGone, Taker } from './taker';

/**
 * Resume on any instance without an events stream (a Redis Cluster): each instance keeps a record of the
 * sessions it holds, and a resume reaching another instance has the live holder hand the session over
 * (docs/redis.md, "Handing a session over"). When the holder is gone, the resume is refused and the client
 * recovers its rooms from their logs.
 */
export function plugHandover(core: CoreSeams, records: SessionRecords, liveness: Liveness | undefined): void {
  const { parts, fanout, hooks } = core;
  const { options } = parts;
  const ownChannel = nodeChannel(options.serverId);
  const keeper = new RecordKeeper({
    serverId: options.serverId,
    records,
    clock: options.clock,
    logger: options.logger,
    ttlMs: options.resumeWindowMs + 2 * SWEEP_MS,
  });
  const giver = new Giver(parts, fanout);
  const taker = new Taker(parts, fanout, records, keeper, holderGoneBy(fanout, liveness));
  const release = new Release(options.clock);
  hooks.add(keeper);
  // A session resumed here, or ended, while being handed over stays here, or is gone: the handover is off.
  hooks.add({
    attached: (session) => giver.interrupted(session),
    detached: (session) => {
      if (parts.shutdown.stopping) release.expect(session);
    },
    ended: (session) => {
      giver.interrupted(session);
      release.sessionLeft(session);
    },
    movedAway: (session) => release.sessionLeft(session),
  });

  const onOwnChannel = (message: BackplaneMessage): void => {
    const fields = payloadFields(message);
    const token = typeof fields.token === 'string' ? fields.token : undefined;
    if (token === undefined) return;
    switch (message.type) {
      case HANDOVER.ask: {
        const ask = readAsk(fields);
        if (ask !== undefined) giver.asked(ask);
        return;
      }
      case HANDOVER.offer: {
        const offer = readOffer(fields);
        if (offer !== undefined) taker.taking(token)?.offered(offer);
        return;
      }
      case HANDOVER.cut:
        giver.cut(token);
        return;
      case HANDOVER.ring: {
        const part = readRing(fields);
        if (part !== undefined) taker.taking(token)?.ringArrived(part);
        return;
      }
      case HANDOVER.refuse: {
        giver.refused(token);
        const reason = typeof fields.reason === 'string' ? fields.reason : 'The handover was refused.';
        taker.taking(token)?.refused(reason);
        return;
      }
    }
  };
  const onMark = (channel: Channel, message: BackplaneMessage): void => {
    const { token } = payloadFields(message);
    if (typeof token !== 'string') return;
    giver.marked(channel, token);
    taker.taking(token)?.markArrived(channel);
  };
  // Handover words are for instances, never for clients, whichever channel they come on.
  fanout.intercept((channel, message) => {
    if (!isHandoverMessage(message)) return false;
    if (message.type === HANDOVER.mark) onMark(channel, message);
    else if (channel === ownChannel) onOwnChannel(message);
    return true;
  });
  fanout.watch(ownChannel);
  parts.extensions.resumeElsewhereWith((request) => taker.resume(request));
  // At stop the sessions stay until their clients, told to reconnect, have them handed over elsewhere.
  parts.extensions.releaseSessionsWith((pacing) => release.wait(pacing));
  core.onStop(() => {
    giver.stop();
    taker.stop();
    keeper.stop();
  });
}

/**
 * A holder is gone when nothing receives its own channel (its process died: Redis dropped its connections at
 * once), or when presence liveness says so; either way no answer can come, and the client need not wait for
 * one. Unsure (Redis trouble), it is asked.
 */
function holderGoneBy(fanout: Pick<Fanout, 'listeners'>, liveness: Liveness | undefined): HolderGone {
  return async (holder) => {
    try {
      if ((await fanout.listeners(nodeChannel(holder))) === 0) return true;
      return liveness !== undefined && (await liveness.gone([holder])).includes(holder);
    } catch {
      return false;
    }
  };
}
