import { defaultBaseJobTemplate } from '../../../src/config/baseJobTemplate';
import { ConfigError } from '../../../src/config/errors';
import { parseJobConfiguration } from '../../../src/config/jobConfiguration';
import { ACI_MAX_CPU, ACI_MAX_GPU_MEMORY_GB, ACI_MAX_MEMORY_GB, MAX_TIMER_SECONDS } from '../../../src/config/limits';
import { renderJobConfiguration } from '../../../src/config/poolConfig';

const REQUIRED = { resource_group_name: 'rg', subscription_id: '00000000-0000-0000-0000-000000000000' };
const GPU = { gpu_count: 4, gpu_sku: 'V100' };
const base = defaultBaseJobTemplate();

describe('limits of the job configuration', () => {
  it('takes Node.js timers at their longest: 2^31-1 ms', () => {
    expect(MAX_TIMER_SECONDS).toBe(2147483);
    expect(MAX_TIMER_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    expect((MAX_TIMER_SECONDS + 1) * 1000).toBeGreaterThan(2 ** 31 - 1);
  });

  it.each([
    ['cpu', 0, /^job_configuration\.cpu: must be greater than 0/],
    ['cpu', ACI_MAX_CPU + 1, /^job_configuration\.cpu: must be at most 31, the most vCPUs ACI gives a container group/],
    ['memory', -1, /^job_configuration\.memory: must be greater than 0/],
    ['memory', ACI_MAX_MEMORY_GB + 1, /^job_configuration\.memory: must be at most 240 \(GB\) without GPUs/],
    ['gpu_count', 0, /^job_configuration\.gpu_count: must be between 1 and 4/],
    ['gpu_count', 5, /^job_configuration\.gpu_count: must be between 1 and 4/],
    ['task_start_timeout_seconds', 0, /^job_configuration\.task_start_timeout_seconds: must be greater than 0/],
    [
      'task_start_timeout_seconds',
      MAX_TIMER_SECONDS + 1,
      /^job_configuration\.task_start_timeout_seconds: must be at most 2147483 seconds \(about 24\.8 days\)/,
    ],
    ['task_watch_poll_interval', 0, /^job_configuration\.task_watch_poll_interval: must be greater than 0/],
    ['task_watch_poll_interval', 30 * 24 * 3600, /^job_configuration\.task_watch_poll_interval: must be at most 2147483 seconds/],
  ])('rejects %s = %p, naming the field', (field, value, message) => {
    const input = { ...REQUIRED, ...(field === 'gpu_count' ? { gpu_sku: 'V100' } : {}), [field]: value };
    const attempt = () => parseJobConfiguration(input);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('accepts the largest values ACI and Node.js allow', () => {
    expect(parseJobConfiguration({ ...REQUIRED, cpu: ACI_MAX_CPU, memory: ACI_MAX_MEMORY_GB })).toMatchObject({ cpu: 31, memory: 240 });
    expect(parseJobConfiguration({ ...REQUIRED, ...GPU, cpu: 24, memory: ACI_MAX_GPU_MEMORY_GB })).toMatchObject({ memory: 448, gpu_count: 4 });
    expect(parseJobConfiguration({ ...REQUIRED, task_start_timeout_seconds: MAX_TIMER_SECONDS, task_watch_poll_interval: MAX_TIMER_SECONDS })).toMatchObject({
      task_start_timeout_seconds: MAX_TIMER_SECONDS,
    });
    expect(parseJobConfiguration({ ...REQUIRED, task_watch_poll_interval: 0.5 }).task_watch_poll_interval).toBe(0.5);
  });

  it('rejects more memory than even 4 GPUs get', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, ...GPU, memory: ACI_MAX_GPU_MEMORY_GB + 1 })).toThrow(/^job_configuration\.memory: must be at most 448/);
  });

  it.each(['', '   ', '\t\n'])('rejects a blank image %p, naming image', (image) => {
    expect(() => parseJobConfiguration({ ...REQUIRED, image })).toThrow(/^job_configuration\.image: must not be blank/);
    expect(() => renderJobConfiguration(base, { ...REQUIRED, image })).toThrow(/^image: must not be blank/);
  });

  it('rejects blank resource names and ids the same way', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, resource_group_name: ' ' })).toThrow(
      /^job_configuration\.resource_group_name: must be a resource group name/,
    );
    expect(() => parseJobConfiguration({ ...REQUIRED, subnet_ids: ['/ok', ' '] })).toThrow(/^job_configuration\.subnet_ids\[1\]: must not be blank/);
  });

  it('catches the limits already when per-run values are checked against the default variables', () => {
    expect(() => renderJobConfiguration(base, { ...REQUIRED, cpu: 64 })).toThrow('cpu: must be at most 31, got number 64');
    expect(() => renderJobConfiguration(base, { ...REQUIRED, task_start_timeout_seconds: 3e6 })).toThrow(
      'task_start_timeout_seconds: must be at most 2147483, got number 3000000',
    );
    expect(() => renderJobConfiguration(base, { ...REQUIRED, gpu_count: 8, gpu_sku: 'V100' })).toThrow('gpu_count: must be at most 4, got number 8');
  });

  it('applies them to pools whose own variables schema has no limits (a Prefect export)', () => {
    const open = defaultBaseJobTemplate();
    open.variables.properties.task_watch_poll_interval = { type: 'number', default: 5 };
    expect(() => renderJobConfiguration(open, { ...REQUIRED, task_watch_poll_interval: 1e7 })).toThrow(
      /^job_configuration\.task_watch_poll_interval: must be at most 2147483 seconds/,
    );
  });
});
