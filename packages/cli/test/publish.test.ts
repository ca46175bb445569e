import { describe, expect, it } from 'vitest';
import { describeRefusal } from '../src/publish/answer';
import { run } from '../src/run';
import { startGateway } from './helpers/gateway';
import { runUntilStopped, testIo } from './helpers/io';

const KEY = 'the-publish-key';

describe('gateway publish', () => {
  it('delivers a notice to the room through POST /publish and prints the answer', async () => {
    const server = await startGateway({ publishKey: KEY });
    const watcher = testIo();
    const tail = runUntilStopped(['tail', 'lobby', '--url', server.wsUrl], watcher);
    await watcher.nextLine((line) => line.includes('connected to'), 'the ready line');

    const t = testIo();
    const argv = ['publish', 'lobby', 'Maintenance at 22:00', '--http-url', server.url, '--key', KEY];
    expect(await run([...argv, '--level', 'warning'], t.io)).toBe(0);
    expect(t.stdout()).toBe('{"accepted":true}\n');
    expect(t.stderr()).toBe('');
    await watcher.nextLine((line) => line.endsWith('[system warning] Maintenance at 22:00'), 'the notice');

    watcher.interrupt();
    expect(await tail).toBe(0);
  });

  it.each([
    ['GATEWAY_PUBLISH_KEY', { GATEWAY_PUBLISH_KEY: KEY, PUBLISH_KEY: 'not-this-one' }],
    ['PUBLISH_KEY', { PUBLISH_KEY: KEY }],
  ])('takes the key from %s', async (_name, env) => {
    const server = await startGateway({ publishKey: KEY });
    const t = testIo({ env });
    expect(await run(['publish', 'lobby', 'hi', '--http-url', server.url], t.io)).toBe(0);
    expect(t.stdout()).toBe('{"accepted":true}\n');
  });

  it('exits 1 with the status and the reason when the server refuses', async () => {
    const server = await startGateway({ publishKey: KEY });
    const wrong = testIo();
    expect(await run(['publish', 'lobby', 'hi', '--http-url', server.url, '--key', 'wrong'], wrong.io)).toBe(1);
    expect(wrong.stderr()).toMatch(/^gateway publish: refused: 401 unauthorized: /);
    expect(wrong.stdout()).toBe('');

    const tooLarge = testIo();
    const big = 'x'.repeat(70_000);
    expect(await run(['publish', 'lobby', big, '--http-url', server.url, '--key', KEY], tooLarge.io)).toBe(1);
    expect(tooLarge.stderr()).toContain("413 payload_too_large: the body is over the server's 65536 bytes");
  });

  it('exits 1 with 404 when the server has no publish key', async () => {
    const server = await startGateway();
    const t = testIo();
    expect(await run(['publish', 'lobby', 'hi', '--http-url', server.url, '--key', KEY], t.io)).toBe(1);
    expect(t.stderr()).toContain('404 not found: this server has no POST /publish');
  });

  it('exits 1 with the reason when the server cannot be reached', async () => {
    const gone = await startGateway({ publishKey: KEY });
    const url = gone.url;
    await gone.close();
    const t = testIo();
    expect(await run(['publish', 'lobby', 'hi', '--http-url', url, '--key', KEY], t.io)).toBe(1);
    expect(t.stderr()).toMatch(new RegExp(`cannot reach ${url}/publish: connect ECONNREFUSED`));
  });

  it('names the issues of a 400', () => {
    const body = JSON.stringify({
      error: 'invalid_payload',
      issues: [{ path: 'payload.message', message: 'Required' }],
    });
    expect(describeRefusal(400, body)).toBe('400 invalid_payload: payload.message: Required');
    expect(describeRefusal(502, '<html>Bad gateway</html>')).toBe('502 <html>Bad gateway</html>');
  });

  it.each([
    [['publish', 'lobby'], 'give a room and the content'],
    [['publish', 'lobby', 'a', 'b'], 'give a room and the content'],
    [['publish', 'lobby', 'hi'], 'no publish key'],
    [['publish', 'lobby', 'hi', '--key', 'k', '--level', 'loud'], '--level must be info, warning or error'],
    [['publish', 'lobby', 'hi', '--key', 'k', '--http-url', 'ws://127.0.0.1:8081'], '--http-url must be'],
    [['publish', 'lobby', 'hi', '--key', 'k', '--user', 'u1'], "Unknown option '--user'"],
  ])('refuses %j with exit 2 and the usage', async (argv, message) => {
    const t = testIo();
    expect(await run(argv, t.io)).toBe(2);
    expect(t.stderr()).toContain(message);
    expect(t.stderr()).toContain('Usage: gateway publish');
  });
});
