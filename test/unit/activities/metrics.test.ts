import { MockActivityEnvironment } from '@temporalio/testing';
import { Registry } from 'prom-client';
import { createActivities } from '../../../src/activities';
import { createPromMetrics } from '../../../src/common/metrics';
import { seriesValue } from '../../helpers/metrics';
import { FakeGateway, memoryLogSink, TARGET } from './fakeGateway';

const NOW = Date.parse('2024-05-01T10:00:10.000Z');

function setup() {
  const gateway = new FakeGateway();
  const registry = new Registry();
  const activities = createActivities({
    gateway,
    logSink: memoryLogSink().sink,
    resolveSecret: () => undefined,
    clock: { now: () => NOW },
    metrics: createPromMetrics(registry),
  });
  return { gateway, registry, activities };
}

const watchInput = { flowRunId: 'run-1', target: TARGET, pollIntervalSeconds: 0.01, streamOutput: false };
const inPhase = (registry: Registry, phase: string) => seriesValue(registry, 'aci_flow_runs_in_phase', { phase });

describe('activity metrics', () => {
  it('counts a run in its phase while the activity runs, and out of it however the activity ends', async () => {
    const { gateway, registry, activities } = setup();
    const seen: number[] = [];
    gateway.state = { state: 'Running' };
    gateway.onPoll = (poll) => {
      void inPhase(registry, 'watch').then((value) => seen.push(value));
      if (poll === 2) gateway.exists = false;
    };
    await expect(new MockActivityEnvironment().run(activities.watch, watchInput)).rejects.toThrow(/disappeared/);
    expect(seen).toEqual([1, 1]);
    expect(await inPhase(registry, 'watch')).toBe(0);

    await new MockActivityEnvironment().run(activities.deleteContainerGroup, { flowRunId: 'run-1', flowName: 'etl', target: TARGET });
    expect(await inPhase(registry, 'cleanup')).toBe(0);
    expect(gateway.calls.getContainerGroup).toBe(3);
  });

  it('counts polls by outcome, the verdict included, and the lag between the exit and its detection', async () => {
    const { gateway, registry, activities } = setup();
    gateway.state = { state: 'Running' };
    gateway.failNextCalls.getContainerGroup = [new Error('read ECONNRESET')];
    gateway.onPoll = (poll) => {
      if (poll === 2) gateway.state = { state: 'Terminated', exitCode: 0, finishTime: '2024-05-01T10:00:07.500Z' };
    };
    await expect(new MockActivityEnvironment().run(activities.watch, watchInput)).resolves.toEqual({ exitCode: 0, logLines: 0 });

    expect(await seriesValue(registry, 'aci_flow_polls_total', { phase: 'watch', outcome: 'error' })).toBe(1);
    expect(await seriesValue(registry, 'aci_flow_polls_total', { phase: 'watch', outcome: 'ok' })).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('aci_flow_exit_detection_lag_seconds_sum 2.5');
    expect(text).toContain('aci_flow_exit_detection_lag_seconds_count 1');
  });

  it('counts waitForStart polls under their own phase', async () => {
    const { gateway, registry, activities } = setup();
    gateway.state = { state: 'Running' };
    const input = { target: TARGET, deadlineEpochMs: NOW + 60_000, timeoutSeconds: 60, pollIntervalSeconds: 0.01 };
    await expect(new MockActivityEnvironment().run(activities.waitForStart, input)).resolves.toEqual({ state: 'Running' });
    expect(await seriesValue(registry, 'aci_flow_polls_total', { phase: 'waitForStart', outcome: 'ok' })).toBe(1);
    expect(await seriesValue(registry, 'aci_flow_polls_total', { phase: 'watch' })).toBe(0);
  });
});
