// One line of `npm run bench` output. Every bench module exports `bench(): Promise<BenchRow[]>`.

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The same quantity measured in the same run by a reference implementation. */
  baseline?: { name: string; value: number };
  /** value / baseline.value. */
  ratio?: number;
}
