/** Builds `demo/public/demo.js` from `demo/src/demo.ts`; resolves to the path written. */
export function buildDemo(): Promise<string>;
