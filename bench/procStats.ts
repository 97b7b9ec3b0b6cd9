/**
 * Memory and CPU of a process from /proc (Linux), read from outside so the measurement costs
 * the measured process nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessUsage {
  /** Peak resident set size so far (VmHWM), bytes. */
  peakRssBytes: number;
  /** Current resident set size (VmRSS), bytes. */
  rssBytes: number;
  /** User + system CPU time so far, seconds. */
  cpuSeconds: number;
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

export function readProcessUsage(pid: number): ProcessUsage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field} line; is process ${pid} still running?`);
    return Number(match[1]) * 1024;
  };
  // The command name (field 2) may contain spaces; the numeric fields start after its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, i.e. 11 and 12 after the state field.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS'), cpuSeconds: ticks / clockTicksPerSecond() };
}
