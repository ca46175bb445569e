import { afterEach, beforeEach, vi } from 'vitest';

// Stray console output hides real failures in a long test log, so any test that prints fails.
// Code under test logs through an injected logger (pino) which tests silence or capture.
const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
let printed: string[] = [];

beforeEach(() => {
  printed = [];
  for (const method of methods) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(`console.${method}: ${args.map(String).join(' ')}`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  if (printed.length > 0) throw new Error(`Test printed to the console:\n${printed.join('\n')}`);
});
