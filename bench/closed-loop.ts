// A closed-loop load: C workers, each issuing its next write only when the previous one has
// completed, for a fixed time. The same loop drives every system a bench compares, so the
// numbers differ only by what sits behind `write`.

export interface LoadResult {
  /** Successful writes per second over the measured window. */
  writesPerSecond: number;
  okCount: number;
  errorCount: number;
  /** Latency percentiles of successful writes, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** The first few distinct error messages, so a run full of errors says why. */
  sampleErrors: string[];
}

/** One worker's write of its `seq`-th key; resolves on success, rejects with the reason otherwise. */
export type WriteFn = (worker: number, seq: number) => Promise<void>;

export async function closedLoop(concurrency: number, durationMs: number, write: WriteFn): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let errorCount = 0;
  const start = performance.now();
  const deadline = start + durationMs;

  const worker = async (id: number) => {
    for (let seq = 0; performance.now() < deadline; seq++) {
      const invoked = performance.now();
      try {
        await write(id, seq);
        const completed = performance.now();
        // A write that completes after the window still counts toward latency, not throughput.
        if (completed <= deadline) latencies.push(completed - invoked);
      } catch (error) {
        errorCount++;
        const message = error instanceof Error ? error.message : String(error);
        errors.set(message.slice(0, 160), (errors.get(message.slice(0, 160)) ?? 0) + 1);
        // An erroring system must not turn the loop into a busy spin that starves the servers.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  const elapsedMs = Math.min(performance.now(), deadline) - start;
  latencies.sort((a, b) => a - b);
  return {
    writesPerSecond: (latencies.length * 1000) / elapsedMs,
    okCount: latencies.length,
    errorCount,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    sampleErrors: [...errors].slice(0, 3).map(([message, count]) => `${count}× ${message}`),
  };
}

/** Nearest-rank percentile of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}
