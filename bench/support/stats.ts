// Latency samples and the figures the benchmark tables show: count, throughput, p50, p95 and p99 (nearest rank).

export interface Sample {
  /** Completed operations (successful ones only). */
  count: number;
  /** Failed operations (non-2xx answers, errors, timeouts). */
  errors: number;
  /** Wall-clock time of the whole run, ms. */
  wallMs: number;
  /** Every successful operation's latency, ms. */
  latencies: number[];
}

export interface Figures {
  count: number;
  errors: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** The value below which `p` percent of the sorted samples lie (nearest-rank method). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function figures(s: Sample): Figures {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: s.count,
    errors: s.errors,
    perSecond: s.wallMs > 0 ? (s.count * 1000) / s.wallMs : NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.length > 0 ? sum / sorted.length : NaN,
  };
}

/**
 * Runs `op` `count` times with at most `concurrency` in flight, timing each call. Stops issuing new calls once
 * `deadlineMs` has passed (the sample then holds fewer operations, which the table shows).
 */
export async function runConcurrent(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  deadlineMs = 60_000,
): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const stopAt = started + deadlineMs;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < stopAt) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { count: latencies.length, errors, wallMs: performance.now() - started, latencies };
}

export const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : 'n/a');
export const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : 'n/a');
/** "+37 %" for how much `value` adds to `base`. */
export const overhead = (value: number, base: number): string =>
  Number.isFinite(value) && Number.isFinite(base) && base > 0
    ? `${value >= base ? '+' : '−'}${Math.abs(Math.round((value / base - 1) * 100))} %`
    : 'n/a';
