import { describe, expect, it } from 'vitest';
import { StreamBudget } from './stream-budget';

describe('StreamBudget', () => {
  it('keeps the count cap for small entries', () => {
    const budget = new StreamBudget(100_000, 64 * 1024 * 1024);
    for (let i = 0; i < 1000; i++) expect(budget.maxLengthFor(200)).toBe(100_000);
  });

  it('holds about maxBytes once entries are large, whatever the count cap', () => {
    const maxBytes = 64 * 1024 * 1024;
    const budget = new StreamBudget(100_000, maxBytes);
    let maxLength = 0;
    for (let i = 0; i < 2000; i++) maxLength = budget.maxLengthFor(16_000);
    expect(maxLength * 16_000).toBeLessThanOrEqual(maxBytes);
    expect(maxLength * (16_000 + 64)).toBeGreaterThan(maxBytes * 0.99);
  });

  it('follows a switch to large entries within a few hundred appends', () => {
    const budget = new StreamBudget(100_000, 10_000_000);
    for (let i = 0; i < 1000; i++) budget.maxLengthFor(100);
    let maxLength = 0;
    for (let i = 0; i < 500; i++) maxLength = budget.maxLengthFor(10_000);
    expect(maxLength).toBeLessThan(1100);
  });
});
