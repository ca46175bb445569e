import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_CODES,
  CloseCode,
  type CloseVerdict,
  closeCodeName,
  closeVerdict,
  limitCloseReason,
} from './close-codes';

function verdictOfRange(code: number): CloseVerdict {
  if (code < 4100) return 'resume';
  if (code < 4200) return 'reidentify';
  if (code < 4300) return 'refresh_token';
  return 'fatal';
}

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

describe('CLOSE_CODES', () => {
  it.each(Object.entries(CLOSE_CODES))('%s sits in the range of its verdict', (name, entry) => {
    expect(entry.code).toBeGreaterThanOrEqual(4000);
    expect(entry.code).toBeLessThanOrEqual(4999);
    expect(entry.verdict).toBe(verdictOfRange(entry.code));
    expect(closeVerdict(entry.code)).toBe(entry.verdict);
    expect(closeCodeName(entry.code)).toBe(name);
    expect(CloseCode[name as keyof typeof CloseCode]).toBe(entry.code);
  });

  it('has no two names for one code', () => {
    const codes = Object.values(CLOSE_CODES).map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('keeps the codes the server is specified to send', () => {
    expect(CloseCode).toMatchObject({
      heartbeat_timeout: 4001,
      going_away: 4002,
      identify_timeout: 4101,
      session_replaced: 4102,
      token_expired: 4200,
      protocol_violation: 4400,
      authentication_failed: 4401,
      unsupported_version: 4406,
    });
  });
});

describe('closeVerdict', () => {
  it.each([
    [4050, 'resume'],
    [4099, 'resume'],
    [4104, 'reidentify'],
    [4150, 'reidentify'],
    [4199, 'reidentify'],
    [4201, 'refresh_token'],
    [4299, 'refresh_token'],
    [4300, 'fatal'],
    [4567, 'fatal'],
    [4999, 'fatal'],
  ] as const)('falls back on the range for unknown code %i → %s', (code, verdict) => {
    expect(closeCodeName(code)).toBeUndefined();
    expect(closeVerdict(code)).toBe(verdict);
  });

  it.each([
    [1000, 'resume'],
    [1001, 'resume'],
    [1006, 'resume'],
    [1009, 'resume'],
    [1011, 'resume'],
    [1012, 'resume'],
    [1008, 'fatal'],
    [3000, 'resume'],
  ] as const)('handles the standard code %i as %s', (code, verdict) => {
    expect(closeVerdict(code)).toBe(verdict);
  });

  it('gives every code in 4000–4999 the verdict of its range', () => {
    fc.assert(fc.property(fc.integer({ min: 4000, max: 4999 }), (code) => closeVerdict(code) === verdictOfRange(code)));
  });
});

describe('limitCloseReason', () => {
  it('keeps a short reason as it is', () => {
    expect(limitCloseReason('server stopping')).toBe('server stopping');
    expect(limitCloseReason('')).toBe('');
  });

  it('keeps a reason of exactly 123 bytes', () => {
    const reason = 'a'.repeat(123);
    expect(limitCloseReason(reason)).toBe(reason);
  });

  it('cuts a longer reason to at most 123 bytes, marking the cut', () => {
    const limited = limitCloseReason('a'.repeat(124));
    expect(utf8Length(limited)).toBeLessThanOrEqual(123);
    expect(limited.endsWith('...')).toBe(true);
  });

  it('never splits a multibyte character', () => {
    // 3-byte Hangul and a 4-byte emoji: a cut at byte 120 lands inside both.
    for (const text of ['세'.repeat(60), `a${'😀'.repeat(40)}`, `ab${'é'.repeat(80)}`]) {
      const limited = limitCloseReason(text);
      expect(utf8Length(limited)).toBeLessThanOrEqual(123);
      expect(limited).not.toContain('\uFFFD');
      expect(text.startsWith(limited.slice(0, -3))).toBe(true);
    }
  });

  it('always fits in 123 bytes and keeps a prefix of the reason (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (reason) => {
        const limited = limitCloseReason(reason);
        if (utf8Length(reason) <= 123) return limited === reason;
        const kept = limited.slice(0, -3);
        return (
          utf8Length(limited) <= 123 && limited.endsWith('...') && reason.startsWith(kept) && !kept.includes('\uFFFD')
        );
      }),
    );
  });
});
