/**
 * Benchmark plumbing: timed loops and result rows. Figures that have a reference are reported as ratios measured
 * in the same run (ARCHITECTURE.md decision 9): the machines are noisy, absolute numbers do not compare.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  reference?: number;
  ratio?: number;
}

/** Operations per second of `fn`, after a warm-up, over at least `minMs` of wall time. */
export async function opsPerSecond(fn: () => unknown, minMs = 1500): Promise<number> {
  const warmUntil = performance.now() + Math.min(500, minMs / 3);
  while (performance.now() < warmUntil) await fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await fn();
    ops++;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/** Interleaves the two measurements (A, B, A, B) and keeps each one's best, so drift hits both alike. */
export async function compare(
  ours: () => unknown,
  reference: () => unknown,
  rounds = 3,
  minMs = 1000,
): Promise<{ ours: number; reference: number; ratio: number }> {
  let best = { ours: 0, reference: 0 };
  for (let i = 0; i < rounds; i++) {
    const o = await opsPerSecond(ours, minMs);
    const r = await opsPerSecond(reference, minMs);
    best = { ours: Math.max(best.ours, o), reference: Math.max(best.reference, r) };
  }
  return { ...best, ratio: best.ours / best.reference };
}

export function row(name: string, value: number, unit: string, reference?: number): BenchResult {
  const r: BenchResult = { name, value: round(value), unit };
  if (reference !== undefined) {
    r.reference = round(reference);
    r.ratio = Math.round((value / reference) * 100) / 100;
  }
  return r;
}

function round(v: number): number {
  return v >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}
