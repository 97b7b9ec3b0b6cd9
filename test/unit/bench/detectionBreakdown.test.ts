import { describeDetectionBreakdown, detectionBreakdown, type DetectionSample } from '../../../bench/detectionBreakdown';

describe('detection breakdown', () => {
  // 2m runs detected in 10 s; 20m runs in 10 s except the late third, detected in 200 s.
  const samples: DetectionSample[] = [
    ...Array.from({ length: 60 }, (_, i) => ({ flow: '2m', durationRatio: 0.8 + (0.4 * i) / 60, seconds: 10 })),
    ...Array.from({ length: 30 }, (_, i) => {
      const durationRatio = 0.8 + (0.4 * i) / 30;
      return { flow: '20m', durationRatio, seconds: durationRatio >= 1.0667 ? 200 : 10 };
    }),
  ];

  it('puts the tail on the runs that make it', () => {
    const groups = detectionBreakdown(samples);
    const late20m = groups.find((group) => group.flow === '20m' && group.third === 'late');
    expect(late20m).toMatchObject({ p50: 200, p95: 200, shareOfTail: 1 });
    expect(groups.find((group) => group.flow === '2m' && group.third === 'all')).toMatchObject({ samples: 60, p95: 10, shareOfTail: 0 });
    // Every sample is in exactly one third of its flow.
    for (const flow of ['2m', '20m']) {
      const ofFlow = groups.filter((group) => group.flow === flow);
      const all = ofFlow.find((group) => group.third === 'all')!;
      expect(ofFlow.filter((group) => group.third !== 'all').reduce((sum, group) => sum + group.samples, 0)).toBe(all.samples);
    }
  });

  it('describes each non-empty group in one line', () => {
    const text = describeDetectionBreakdown(detectionBreakdown(samples));
    expect(text).toContain('20m/late: n=');
    expect(text).toContain('100 % of the tail');
    expect(text).not.toContain('\n');
  });

  it('has no tail without samples', () => {
    expect(detectionBreakdown([])).toEqual([]);
  });
});
