// The statistic every benchmark reports: the median of its runs, and the runs themselves.

/** Median of `values` (the mean of the middle two for an even count); 0 for none. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** "1234 ms [1200, 1234, 1300]": the median and each run, in milliseconds. */
export function summary(values: number[]): string {
  return `${median(values).toFixed(0)} ms [${values.map((x) => x.toFixed(0)).join(", ")}]`;
}
