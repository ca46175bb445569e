// Finds import cycles among the packages' sources, type-only imports included: a bundler's graph (esbuild's
// metafile) drops `import type`, yet a type cycle still ties two modules' designs together. Reads every
// `src/**/*.ts(x)` of each package under `packagesDir` (tests beside the code too), resolves relative
// specifiers and the workspace packages (`@gateway/x` → packages/x/src/index.ts), and returns each strongly
// connected component of more than one file, or a file importing itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sourcesOf(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourcesOf(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a specifier names, or undefined for a package outside the workspace. */
function resolveSpecifier(packagesDir, from, specifier) {
  const workspace = /^@gateway\/([^/]+)$/.exec(specifier);
  if (workspace !== null) {
    const entry = join(packagesDir, workspace[1], 'src', 'index.ts');
    return isFile(entry) ? entry : undefined;
  }
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier.replace(/\.(m?js|ts)$/, ''));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** Every file and the workspace files it imports (statically, dynamically, or for types only). */
export function importGraph(packagesDir) {
  const files = readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isFile(join(packagesDir, entry.name, 'package.json')))
    .flatMap((entry) => {
      const src = join(packagesDir, entry.name, 'src');
      return statSync(src, { throwIfNoEntry: false })?.isDirectory() ? sourcesOf(src) : [];
    });
  const graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set();
    for (const { fileName } of info.importedFiles) {
      const target = resolveSpecifier(packagesDir, file, fileName);
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** Tarjan's strongly connected components, iteratively (deep chains must not overflow the stack). */
export function cyclesOf(graph) {
  let index = 0;
  const indices = new Map();
  const lowlinks = new Map();
  const onStack = new Set();
  const stack = [];
  const cycles = [];
  for (const start of graph.keys()) {
    if (indices.has(start)) continue;
    const work = [{ node: start, next: 0 }];
    indices.set(start, index);
    lowlinks.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const target = edges[frame.next++];
        if (!graph.has(target)) continue;
        if (!indices.has(target)) {
          indices.set(target, index);
          lowlinks.set(target, index++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          lowlinks.set(frame.node, Math.min(lowlinks.get(frame.node), indices.get(target)));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        lowlinks.set(parent.node, Math.min(lowlinks.get(parent.node), lowlinks.get(frame.node)));
      }
      if (lowlinks.get(frame.node) !== indices.get(frame.node)) continue;
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfLoop = component.length === 1 && (graph.get(member) ?? []).includes(member);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  }
  return cycles;
}

/** One concrete loop through a component, for a readable report. */
export function loopThrough(graph, component) {
  const members = new Set(component);
  const first = component[0];
  const path = [first];
  const seen = new Set([first]);
  let node = first;
  for (;;) {
    const next = (graph.get(node) ?? []).filter((target) => members.has(target));
    if (next.includes(first)) return [...path, first];
    const step = next.find((target) => !seen.has(target)) ?? next[0];
    if (step === undefined || seen.has(step)) return [...path, step ?? first];
    path.push(step);
    seen.add(step);
    node = step;
  }
}

/** The import cycles among the sources of every package in `packagesDir`. */
export function findImportCycles(packagesDir) {
  const graph = importGraph(packagesDir);
  return {
    files: graph.size,
    cycles: cyclesOf(graph).map((component) => ({ component, loop: loopThrough(graph, component) })),
  };
}
