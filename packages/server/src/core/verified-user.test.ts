import { describe, expect, it } from 'vitest';
import type { AuthenticatedUser } from './options';
import { admitVerifiedUser } from './verified-user';

const NOW = Date.UTC(2025, 0, 1);
const MAX = 10 * 60_000;
const admit = (user: unknown) => admitVerifiedUser(user as AuthenticatedUser, NOW, MAX);

describe('admitVerifiedUser', () => {
  it.each([
    ['an id of 5,000 characters', { id: 'x'.repeat(5_000) }],
    ['an id of 129 characters', { id: 'x'.repeat(129) }],
    ['an empty id', { id: '' }],
    ['an id with a lone high surrogate', { id: 'user-\ud800' }],
    ['an id with a lone low surrogate', { id: '\udfffuser' }],
    ['a number for an id', { id: 42 }],
    ['no id', {}],
    ['a display name that is not a string', { id: 'u', display_name: 7 }],
    ['a bare string instead of a user', 'u'],
    ['undefined instead of null', undefined],
  ])('refuses %s as ill-formed', (_what, user) => {
    expect(admit(user)).toEqual({ ok: false, refusal: 'ill_formed' });
  });

  it('takes ids up to 128 UTF-16 units, surrogate pairs included', () => {
    expect(admit({ id: 'x'.repeat(128) }).ok).toBe(true);
    expect(admit({ id: '😀'.repeat(64) }).ok).toBe(true);
  });

  it.each([
    ['no exp and no iat: now + max', {}, NOW + MAX],
    ['no exp, issued 4 minutes ago: iat + max', { issued_at: NOW - 4 * 60_000 }, NOW + 6 * 60_000],
    ['no exp, issued in the future: still now + max at most', { issued_at: NOW + 60_000 }, NOW + MAX],
    ['exp within max: its own', { expires_at: NOW + 60_000, issued_at: NOW - 3_600_000 }, NOW + 60_000],
    ['exp a year away: now + max', { expires_at: NOW + 365 * 86_400_000 }, NOW + MAX],
    ['exp that is not a number: now + max', { expires_at: Number.NaN }, NOW + MAX],
    ['exp of Infinity: now + max', { expires_at: Number.POSITIVE_INFINITY }, NOW + MAX],
  ])('deadline with %s', (_what, times, deadline) => {
    expect(admit({ id: 'u', ...times })).toEqual({ ok: true, user: { id: 'u', ...times, expires_at: deadline } });
  });

  it('refuses as expired a token without exp issued longer than max ago, or whose own deadline has passed', () => {
    expect(admit({ id: 'u', issued_at: NOW - MAX })).toEqual({ ok: false, refusal: 'expired' });
    expect(admit({ id: 'u', expires_at: NOW })).toEqual({ ok: false, refusal: 'expired' });
  });

  it('keeps the name it was given, and gives none when there is none', () => {
    expect(admit({ id: 'u', display_name: 'Ada' })).toMatchObject({ ok: true, user: { display_name: 'Ada' } });
    const admitted = admit({ id: 'u' });
    expect(admitted.ok && 'display_name' in admitted.user).toBe(false);
  });
});
