import { readFileSync } from 'node:fs';
import { createClientFrameDecoder } from '@gateway/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchHeartbeat } from './heartbeat-fast-path';

const decoder = createClientFrameDecoder();
const bytes = (text: string) => new TextEncoder().encode(text);

/** What the full path makes of the text: the frame when it is a valid heartbeat, else undefined. */
function fullPath(text: string) {
  const decoded = decoder.decode(text);
  return decoded.ok && decoded.frame.type === 'heartbeat' ? decoded.frame : undefined;
}

describe('the heartbeat fast path', () => {
  it.each([
    '{"type":"heartbeat"}',
    '{"type":"heartbeat","payload":{"last_seq":0}}',
    '{"type":"heartbeat","payload":{"last_seq":7}}',
    '{"type":"heartbeat","payload":{"last_seq":1234567}}',
    '{"type":"heartbeat","payload":{"last_seq":999999999999999}}',
  ])('takes %s, giving what the schema gives', (text) => {
    const fast = matchHeartbeat(bytes(text));
    expect(fast).toBeDefined();
    expect(fast).toEqual(fullPath(text));
  });

  it.each([
    // Valid heartbeats in other shapes: the full path takes them.
    '{"type":"heartbeat","payload":{}}',
    '{"type":"heartbeat","ref":"h"}',
    '{"type":"heartbeat","payload":{"last_seq":3},"ref":"h"}',
    '{ "type":"heartbeat"}',
    '{"type":"heartbeat"} ',
    '{"payload":{"last_seq":3},"type":"heartbeat"}',
    '{"type":"heartbeat","payload":{"last_seq":1e3}}',
    '{"type":"heartbeat","payload":{"last_seq":3.0}}',
    // 16 digits: possibly past Number.MAX_SAFE_INTEGER, so left to the schema.
    '{"type":"heartbeat","payload":{"last_seq":1000000000000000}}',
    '{"type":"heartbeat","payload":{"last_seq":9007199254740993}}',
    // Invalid ones, which the full path must refuse with its own error.
    '{"type":"heartbeat","payload":{"last_seq":-1}}',
    '{"type":"heartbeat","payload":{"last_seq":01}}',
    '{"type":"heartbeat","payload":{"last_seq":}}',
    '{"type":"heartbeat","payload":{"last_seq":"1"}}',
    '{"type":"heartbeat","payload":{"last_seq":1.5}}',
    '{"type":"heartbeat","payload":{"last_seq":1}',
    '{"type":"heartbeat","payload":{"last_seq":1}}}',
    '{"type":"heartbeat","payload":{"last_seq":1x}}',
    '{"type":"heartbeat","payload":null}',
    '{"type":"heartbeat_ack"}',
    '{"type":"Heartbeat"}',
    '{"type":"heartbeat"',
    '{"type":"heartbeaT"}',
  ])('leaves %s to the full path', (text) => {
    expect(matchHeartbeat(bytes(text))).toBeUndefined();
  });

  it('leaves every example of the bad-input table to the full path', () => {
    const markdown = readFileSync(new URL('../../../../protocol/PROTOCOL.md', import.meta.url), 'utf8');
    const section = markdown.slice(markdown.search(/^##+ Bad input\s*$/m));
    const table = section.split('\n').filter((line) => line.startsWith('|'));
    const examples = table.flatMap((line) => [...(line.split('|')[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    expect(examples.length).toBeGreaterThan(10);
    for (const example of examples) expect(matchHeartbeat(bytes(example ?? '')), example).toBeUndefined();
  });

  it('never disagrees with the schema: anything it takes, the full path takes with the same frame', () => {
    const near = fc.oneof(
      fc.nat().map((n) => `{"type":"heartbeat","payload":{"last_seq":${n}}}`),
      fc.bigInt({ min: 0n, max: 10n ** 17n }).map((n) => `{"type":"heartbeat","payload":{"last_seq":${n}}}`),
      fc
        .string({ unit: fc.constantFrom(...'0123456789-+.eE x"{}'), maxLength: 18 })
        .map((digits) => `{"type":"heartbeat","payload":{"last_seq":${digits}}}`),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(near, (text) => {
        const fast = matchHeartbeat(bytes(text));
        if (fast !== undefined) expect(fast).toEqual(fullPath(text));
      }),
      { numRuns: 2000 },
    );
  });
});
