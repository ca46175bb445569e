/**
 * Names a set of rooms in options that apply per room: a room id, a string with `*` standing for any run of
 * characters (`live:*`, `guild:*:voice`), or a regular expression tested against the id.
 */
export type RoomPattern = string | RegExp;

/** One test for a list of patterns, built once from the options (no regular expression per lookup). */
export function roomMatcher(patterns: readonly RoomPattern[]): (roomId: string) => boolean {
  if (patterns.length === 0) return () => false;
  const exact = new Set<string>();
  const expressions: RegExp[] = [];
  for (const pattern of patterns) {
    if (pattern instanceof RegExp) expressions.push(pattern);
    else if (!pattern.includes('*')) exact.add(pattern);
    else expressions.push(globExpression(pattern));
  }
  return (roomId) => exact.has(roomId) || expressions.some((expression) => testWhole(expression, roomId));
}

function globExpression(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

/** A global or sticky expression keeps a position between tests: it is reset so every test starts at 0. */
function testWhole(expression: RegExp, roomId: string): boolean {
  expression.lastIndex = 0;
  return expression.test(roomId);
}
