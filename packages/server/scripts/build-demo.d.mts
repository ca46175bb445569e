/**
 * Builds `demo.js` from `demo/src/demo.ts` into `demo/public`, or into `outDir` with the page's other files
 * copied beside it; resolves to the directory.
 */
export function buildDemo(outDir?: string): Promise<string>;
