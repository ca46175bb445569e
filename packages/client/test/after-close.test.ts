import { describe, expect, it } from 'vitest';
import { afterClose } from '../src/after-close';

describe('afterClose', () => {
  it.each([
    [1000, { action: 'reconnect', closeCode: 1000, reidentify: false }],
    [1001, { action: 'reconnect', closeCode: 1001, reidentify: false }],
    [1006, { action: 'reconnect', closeCode: 1006, reidentify: false }],
    [4001, { action: 'reconnect', closeCode: 4001, reidentify: false }],
    [4002, { action: 'reconnect', closeCode: 4002, reidentify: false }],
    [4100, { action: 'reconnect', closeCode: 4100, reidentify: true }],
    [4150, { action: 'reconnect', closeCode: 4150, reidentify: true }],
    [4200, { action: 'reconnect', closeCode: 4200, reidentify: false }],
    [4400, { action: 'stop', closeCode: 4400 }],
    [4401, { action: 'stop', closeCode: 4401 }],
    [4999, { action: 'stop', closeCode: 4999 }],
    [1008, { action: 'stop', closeCode: 1008 }],
  ])('close %i with getToken → %o', (code, expected) => {
    expect(afterClose(code, undefined, true)).toEqual(expected);
  });

  it('stops on token expiry when no getToken can fetch a fresh token', () => {
    expect(afterClose(4200, undefined, false)).toEqual({ action: 'stop', closeCode: 4200 });
  });

  it('takes the goodbye code when the platform lost the close code, and only then', () => {
    expect(afterClose(1006, 4401, true)).toEqual({ action: 'stop', closeCode: 4401 });
    expect(afterClose(1005, 4100, true)).toEqual({ action: 'reconnect', closeCode: 4100, reidentify: true });
    expect(afterClose(4002, 4401, true)).toEqual({ action: 'reconnect', closeCode: 4002, reidentify: false });
  });
});
