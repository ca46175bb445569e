/**
 * Redis stream ids (`<ms>-<seq>`) in order. Compared as numbers part by part: as strings `9-0` would sort
 * after `10-0`.
 */
export function comparePositions(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  if (aMs.length !== bMs.length) return aMs.length - bMs.length;
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq.length !== bSeq.length) return aSeq.length - bSeq.length;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}
