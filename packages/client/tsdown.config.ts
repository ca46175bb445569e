import { readdirSync, readFileSync } from 'node:fs';
import { transform } from 'esbuild';
import { defineConfig } from 'tsdown';

// Private members (`_name`) get short names in the shipped JavaScript, the one thing an app's minifier cannot do
// for them: about 500 bytes of the gzipped browser bundle. Whitespace and local names are left to that minifier,
// so dist stays readable. esbuild never picks a short name that the chunk already uses as a property, and every
// class the client extends (its emitter included) is in the chunk.
//
// So do the members the internal classes (connection, outgoing requests, session memory, gap repair) call on
// each other, and the fields of the records they pass (a connection's deps, an outgoing entry): another 200
// bytes. Each name here must be no public member's: `build:done` fails when one appears as a member in the
// published declarations. Nor a wire field's or a built-in's (`resolve`, `frame`, `since`): esbuild renames
// every property of that name in the chunk, object-literal keys included.
const INTERNAL_MEMBERS = [
  'checkAlive',
  'giveUp',
  'silentSince',
  'refusedForNow',
  'settle',
  'identifyPayload',
  'resumePayload',
  'presenceSent',
  'presenceToRestore',
  'readied',
  'roomsJoined',
  'roomsLeft',
  'forget',
  'connectionLost',
  'newSession',
  'replayAnswered',
  'replayFailed',
  'openGap',
  'holding',
  'restart',
  'take',
  'sinceFor',
  'entered',
  'deliver',
  'outlivedSilence',
  'sentAt',
  'holds',
  'place',
  'connectTimeoutMs',
  'maxFrameBytes',
  'graceMs',
  'lastSeq',
  'decoder',
  'timeoutMs',
  'maxQueued',
  'link',
  'write',
  'leave',
  'timer',
  'pace',
  'cancel',
  'connected',
  'disconnected',
  'flush',
  'fail',
  'accept',
  'skip',
  'last',
  'active',
  'start',
  'stop',
  'invalid',
  'closed',
  'open',
  'lose',
  'hold',
  'action',
  'reidentify',
  'listener',
  'outgoing',
  'stage',
  'mayRetry',
];
const mangled = new RegExp(`^(_[a-zA-Z].*|${INTERNAL_MEMBERS.join('|')})$`);

function assertInternalMembersArePrivate(): void {
  const dist = new URL('./dist/', import.meta.url);
  const declarations = readdirSync(dist).filter((file) => /\.d\.c?ts$/.test(file));
  for (const file of declarations) {
    const text = readFileSync(new URL(file, dist), 'utf8');
    const exposed = INTERNAL_MEMBERS.filter((name) => new RegExp(`^\\s+(readonly )?${name}[?]?[(:<]`, 'm').test(text));
    if (exposed.length > 0) throw new Error(`${file} declares ${exposed} publicly, which the build renames`);
  }
}

const mangleCache: Record<string, string | false> = {};
const manglePrivateMembers = {
  name: 'mangle-private-members',
  async renderChunk(code: string, chunk: { fileName: string }) {
    if (!/\.c?js$/.test(chunk.fileName)) return null;
    const result = await transform(code, {
      loader: 'js',
      mangleProps: mangled,
      mangleCache,
      sourcemap: true,
      sourcefile: chunk.fileName,
    });
    Object.assign(mangleCache, result.mangleCache);
    return { code: result.code, map: result.map };
  },
};

export default defineConfig({
  // Entries over one shared chunk: `index` (browsers, React Native: the global WebSocket, nothing of Node),
  // `node` (the same client, defaulting to `ws`) and `react-native` (the lifecycle adapter alone).
  entry: ['src/index.ts', 'src/node.ts', 'src/react-native.ts'],
  format: ['esm', 'cjs'],
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  // `import.meta.url` for node.ts's createRequire, in the CJS build too.
  shims: true,
  // Dependencies stay imports: the app's bundler dedupes them; `ws` is required by node.ts only, at run time.
  external: ['ws', '@gateway/protocol', /^node:/],
  plugins: [manglePrivateMembers],
  hooks: { 'build:done': assertInternalMembersArePrivate },
});
