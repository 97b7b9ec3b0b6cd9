/**
 * Which exits wait longest for detection, and why: the steady scenario's exit → detected
 * samples split by flow and by where in its flow's spread the run ended (early, middle, late
 * third of typical ± 20 %), so a tail can be traced to the runs that make it (docs/benchmark.md,
 * "The priority tail").
 */
import { percentile } from './stats';

export interface DetectionSample {
  flow: string;
  /** The run's duration ÷ its flow's typical duration (0.8–1.2 in the steady mix). */
  durationRatio: number;
  seconds: number;
}

export interface DetectionGroup {
  flow: string;
  /** early: ratio < 0.933; middle; late: ≥ 1.067 (thirds of 0.8–1.2). */
  third: 'early' | 'middle' | 'late' | 'all';
  samples: number;
  p50?: number;
  p95?: number;
  max?: number;
  /** This group's share of the samples at or above the overall p95. */
  shareOfTail: number;
}

const THIRDS = [
  { third: 'early', includes: (ratio: number) => ratio < 0.9333 },
  { third: 'middle', includes: (ratio: number) => ratio >= 0.9333 && ratio < 1.0667 },
  { third: 'late', includes: (ratio: number) => ratio >= 1.0667 },
] as const;

export function detectionBreakdown(samples: DetectionSample[]): DetectionGroup[] {
  const tailFrom = percentile(
    samples.map((sample) => sample.seconds),
    95,
  );
  const tail = tailFrom === undefined ? [] : samples.filter((sample) => sample.seconds >= tailFrom);
  const group = (flow: string, third: DetectionGroup['third'], members: DetectionSample[]): DetectionGroup => {
    const seconds = members.map((member) => member.seconds);
    const inTail = tail.filter((sample) => members.includes(sample)).length;
    return {
      flow,
      third,
      samples: members.length,
      p50: percentile(seconds, 50),
      p95: percentile(seconds, 95),
      max: percentile(seconds, 100),
      shareOfTail: tail.length === 0 ? 0 : inTail / tail.length,
    };
  };
  const flows = [...new Set(samples.map((sample) => sample.flow))].sort();
  return flows.flatMap((flow) => {
    const ofFlow = samples.filter((sample) => sample.flow === flow);
    return [
      group(flow, 'all', ofFlow),
      ...THIRDS.map(({ third, includes }) =>
        group(
          flow,
          third,
          ofFlow.filter((sample) => includes(sample.durationRatio)),
        ),
      ),
    ];
  });
}

export function describeDetectionBreakdown(groups: DetectionGroup[]): string {
  const figure = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
  return groups
    .filter((group) => group.samples > 0)
    .map(
      (group) =>
        `${group.flow}/${group.third}: n=${group.samples} p50 ${figure(group.p50)} p95 ${figure(group.p95)} max ${figure(group.max)} s, ${Math.round(100 * group.shareOfTail)} % of the tail`,
    )
    .join('; ');
}
