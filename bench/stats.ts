/** Summaries of measured samples; `undefined` when there is nothing to summarise. */

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function mean(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function max(values: number[]): number | undefined {
  // reduce, not Math.max(...values): a steady run has hundreds of thousands of samples, more than a call's arguments may hold.
  return values.length === 0 ? undefined : values.reduce((highest, value) => (value > highest ? value : highest), -Infinity);
}
