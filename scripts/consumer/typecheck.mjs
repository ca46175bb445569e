// Type-checks the same bot, and the READMEs' TypeScript snippets, against the installed packages under
// every module resolution an app may use, with skipLibCheck off so the packages' own .d.ts are checked too.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Each resolution mode, and whether the checked files are ES modules or CommonJS there. */
export const MODES = [
  { name: 'NodeNext, ESM', module: 'NodeNext', moduleResolution: 'NodeNext', type: 'module' },
  { name: 'NodeNext, CJS', module: 'NodeNext', moduleResolution: 'NodeNext', type: 'commonjs' },
  { name: 'Node16, ESM', module: 'Node16', moduleResolution: 'Node16', type: 'module' },
  { name: 'Node16, CJS', module: 'Node16', moduleResolution: 'Node16', type: 'commonjs' },
  { name: 'Bundler', module: 'ESNext', moduleResolution: 'Bundler', type: 'module' },
  { name: 'node10', module: 'CommonJS', moduleResolution: 'node10', type: 'commonjs' },
];

/**
 * The READMEs whose ```ts and ```tsx blocks must compile as an app would write them. The test kit's example is a
 * test file with its component beside it: it runs as written in packages/testkit/test instead.
 */
const READMES = [
  'README.md',
  'packages/client/README.md',
  'packages/protocol/README.md',
  'packages/server/README.md',
  'packages/react/README.md',
];

function compilerOptions(mode) {
  return {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    module: mode.module,
    moduleResolution: mode.moduleResolution,
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
    jsx: 'react-jsx',
    // What `tsc --init` writes: zod's CommonJS declarations need it under node10.
    esModuleInterop: true,
    // node10 is deprecated in TypeScript 6 and still used by old tools; the check wants to see it work.
    ...(mode.moduleResolution === 'node10' ? { ignoreDeprecations: '5.0' } : {}),
  };
}

function check(dir) {
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}`.trim() };
  }
}

/** The ```ts and ```tsx blocks of the READMEs, each one file. */
export function readmeSnippets() {
  const snippets = [];
  for (const readme of READMES) {
    let text;
    try {
      text = readFileSync(join(root, readme), 'utf8');
    } catch {
      continue;
    }
    const blocks = [...text.matchAll(/^```(tsx?)\n([\s\S]*?)^```/gm)];
    for (const [index, [, extension, code]] of blocks.entries()) {
      snippets.push({ source: `${readme} #${index + 1}`, code, extension });
    }
  }
  return snippets;
}

/**
 * @param {string} project the consumer project
 * @returns {{ name: string, ok: boolean, output: string }[]}
 */
export function typecheckMatrix(project) {
  const results = [];
  for (const mode of MODES) {
    const dir = join(project, `types-${mode.name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: mode.type }));
    for (const file of ['bot.ts', 'hooks.tsx']) copyFileSync(join(project, file), join(dir, file));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: compilerOptions(mode), files: ['bot.ts', 'hooks.tsx'] }),
    );
    results.push({ name: `bot and React hooks under ${mode.name}`, ...check(dir) });
  }
  const snippetsDir = join(project, 'types-readme');
  mkdirSync(snippetsDir, { recursive: true });
  writeFileSync(join(snippetsDir, 'package.json'), JSON.stringify({ type: 'module' }));
  copyFileSync(join(project, 'readme-globals.d.ts'), join(snippetsDir, 'readme-globals.d.ts'));
  const snippets = readmeSnippets();
  const files = ['readme-globals.d.ts'];
  snippets.forEach((snippet, index) => {
    const file = `snippet-${index + 1}.${snippet.extension}`;
    // `export {}` makes each snippet a module of its own, as each is a file of its own in an app.
    writeFileSync(join(snippetsDir, file), `// ${snippet.source}\n${snippet.code}\nexport {};\n`);
    files.push(file);
  });
  writeFileSync(
    join(snippetsDir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: compilerOptions(MODES[0]), files }),
  );
  results.push({ name: `${snippets.length} README snippets under NodeNext`, ...check(snippetsDir) });
  return results;
}
