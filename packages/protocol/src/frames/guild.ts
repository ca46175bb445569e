import * as z from 'zod/mini';
import { frame } from '../envelope';
import { Data, Id, NonNegativeInt } from '../primitives';

// The Discord-style family of seed 004: produced by other services (through the server API or, later,
// the backplane), fanned out to the guild's room, never sent by clients.

const Name = z.optional(z.string().check(z.maxLength(100)));

const GuildFields = z.object({
  guild_id: Id,
  name: Name,
  icon: z.optional(z.string()),
  owner_id: z.optional(Id),
  data: z.optional(Data),
});

const ChannelFields = z.object({
  guild_id: Id,
  channel_id: Id,
  name: Name,
  kind: z.optional(z.enum(['text', 'voice', 'category'])),
  position: z.optional(NonNegativeInt),
  data: z.optional(Data),
});

export const GuildCreate = frame('guild.create', GuildFields);
export const GuildUpdate = frame('guild.update', GuildFields);
export const GuildDelete = frame('guild.delete', z.object({ guild_id: Id }));

export const ChannelCreate = frame('channel.create', ChannelFields);
export const ChannelUpdate = frame('channel.update', ChannelFields);
export const ChannelDelete = frame('channel.delete', z.object({ guild_id: Id, channel_id: Id }));

export const GuildMemberAdd = frame(
  'guild_member.add',
  z.object({
    guild_id: Id,
    user_id: Id,
    nickname: Name,
    roles: z.optional(z.array(Id)),
  }),
);
export const GuildMemberRemove = frame('guild_member.remove', z.object({ guild_id: Id, user_id: Id }));

export const UserUpdate = frame(
  'user.update',
  z.object({
    user_id: Id,
    display_name: Name,
    avatar: z.optional(z.string()),
    data: z.optional(Data),
  }),
);

export const VoiceStateUpdate = frame(
  'voice.state.update',
  z.object({
    guild_id: Id,
    /** `null` when the user left voice. */
    channel_id: z.nullable(Id),
    user_id: Id,
    muted: z.optional(z.boolean()),
    deafened: z.optional(z.boolean()),
  }),
);

export const VoiceServerUpdate = frame(
  'voice.server.update',
  z.object({ guild_id: Id, endpoint: z.string(), token: z.string() }),
);
