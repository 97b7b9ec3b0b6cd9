import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Path of the temporal CLI, provisioned by scripts/setup.mjs (the one place that knows how). */
export function temporalCliPath(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const setup = join(__dirname, '..', '..', 'scripts', 'setup.mjs');
  const path = execFileSync(process.execPath, [setup, '--print-temporal-path'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  process.env.TEMPORAL_CLI = path;
  return path;
}
