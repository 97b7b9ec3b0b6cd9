/**
 * CLI start-up (issue: a fast CLI): the median wall time of `aci-flow --help` and
 * `aci-flow status <id>` (against the bench's dev server, a run that does not exist: one
 * connection and one describe call) next to a bare `node -e 0`, all measured in one run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface CliStartupResult {
  command: string;
  medianMs: number;
  /** Median divided by the median of `node -e 0` in the same run. */
  ratioToBareNode: number;
  runs: number;
}

function wallTimeMs(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (index: number): number => {
    const value = sorted[index];
    if (value === undefined) throw new Error('median of no values');
    return value;
  };
  return sorted.length % 2 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
}

export function measureCliStartup(repoRoot: string, temporalAddress: string, runs = 15): CliStartupResult[] {
  const bin = join(repoRoot, 'bin', 'aci-flow.js');
  const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress };
  const commands: Array<[string, string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['aci-flow --help', [bin, '--help']],
    ['aci-flow status <id>', [bin, 'status', 'bench-no-such-run']],
  ];
  const times = new Map(commands.map(([name]) => [name, [] as number[]]));
  // Interleaved, so a slow moment of the machine hits every command alike.
  for (let i = 0; i < runs; i += 1) {
    for (const [name, args] of commands) times.get(name)!.push(wallTimeMs(args, env));
  }
  const bare = median(times.get('node -e 0')!);
  return commands.map(([name]) => {
    const medianMs = median(times.get(name)!);
    return { command: name, medianMs, ratioToBareNode: medianMs / bare, runs };
  });
}

export function cliStartupTable(results: CliStartupResult[]): string {
  return [
    '| command | median wall time (ms) | × bare node |',
    '|---|---|---|',
    ...results.map((r) => `| \`${r.command}\` | ${r.medianMs.toFixed(0)} | ${r.ratioToBareNode.toFixed(2)} |`),
  ].join('\n');
}
