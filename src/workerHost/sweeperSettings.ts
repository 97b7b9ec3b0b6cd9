/**
 * Parsing of the sweeper's worker settings, shared by the worker's environment variables and
 * the CLI's flags; light on purpose, so `aci-flow --help` never loads the worker.
 */
import type { SweepScope } from '../activities/sweepTypes';
import { SWEEP_SETTINGS } from './settings';

export interface SweeperSettings {
  /** Empty: this worker does not schedule sweeps (it still runs the ones `aci-flow sweep` starts). */
  scopes: SweepScope[];
  intervalMs: number;
  graceSeconds: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `10m`, `1h`: whole numbers with one unit, so a typo cannot silently mean milliseconds. */
export function parseDurationMs(text: string, field: string): number {
  const match = /^\s*(\d+)\s*([smh])\s*$/.exec(text);
  if (!match || Number(match[1]) === 0) {
    throw new Error(`${field}: "${text}" is not a duration; write a positive whole number with s, m or h, e.g. 10m`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `<subscriptionId>/<resourceGroup>`, the two parts of a resource group's ARM id that matter. */
export function parseSweepScope(text: string, field: string): SweepScope {
  const parts = text.trim().split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`${field}: "${text}" is not <subscriptionId>/<resourceGroup>, e.g. 00000000-0000-0000-0000-000000000000/my-rg`);
  }
  return { subscriptionId: parts[0], resourceGroupName: parts[1] };
}

/** Flags win over the environment; scopes in the environment are separated by commas or whitespace. */
export function sweeperSettings(flags: { scopes?: string[]; interval?: string; grace?: string } = {}, env: NodeJS.ProcessEnv = process.env): SweeperSettings {
  const scopeTexts = flags.scopes?.length ? flags.scopes : (env[SWEEP_SETTINGS.scopes.env] ?? '').split(/[\s,]+/).filter(Boolean);
  const scopeField = flags.scopes?.length ? '--sweep-scope' : SWEEP_SETTINGS.scopes.env;
  return {
    scopes: dedupe(scopeTexts.map((text) => parseSweepScope(text, scopeField))),
    intervalMs: parseDurationMs(
      flags.interval ?? env[SWEEP_SETTINGS.interval.env] ?? SWEEP_SETTINGS.interval.default,
      flags.interval ? '--sweep-interval' : SWEEP_SETTINGS.interval.env,
    ),
    graceSeconds:
      parseDurationMs(flags.grace ?? env[SWEEP_SETTINGS.grace.env] ?? SWEEP_SETTINGS.grace.default, flags.grace ? '--sweep-grace' : SWEEP_SETTINGS.grace.env) /
      1000,
  };
}

function dedupe(scopes: SweepScope[]): SweepScope[] {
  const seen = new Set<string>();
  return scopes.filter((scope) => {
    const key = `${scope.subscriptionId}/${scope.resourceGroupName}`.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
