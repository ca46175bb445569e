import { describe, expect, it } from 'vitest';
import { assertModeAllowed, isProductionEnv } from './production-guard';

describe('isProductionEnv', () => {
  it.each(['production', 'Production', 'PRODUCTION', ' production ', 'production\n'])('%j is production', (value) => {
    expect(isProductionEnv(value)).toBe(true);
  });

  it.each([undefined, '', 'development', 'test', 'prod', 'productions', 'pro duction'])('%j is not', (value) => {
    expect(isProductionEnv(value)).toBe(false);
  });

  it('so NODE_ENV=Production refuses dev mode like NODE_ENV=production', () => {
    expect(() =>
      assertModeAllowed({ mode: 'dev', production: isProductionEnv('Production'), allowDevMode: false }),
    ).toThrow(/Refusing to start in dev mode/);
  });
});
