export function findImportCycles(packagesDir: string): {
  files: number;
  cycles: Array<{ component: string[]; loop: string[] }>;
};
export function importGraph(packagesDir: string): Map<string, string[]>;
export function cyclesOf(graph: Map<string, string[]>): string[][];
export function loopThrough(graph: Map<string, string[]>, component: string[]): string[];
