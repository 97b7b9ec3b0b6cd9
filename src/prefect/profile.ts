/**
 * The active Prefect profile, read as Prefect reads it: `$PREFECT_PROFILES_PATH`, else
 * `$PREFECT_HOME/profiles.toml` (`~/.prefect`), the profile named by `$PREFECT_PROFILE` or the
 * file's `active` key. `prefect cloud login` writes PREFECT_API_URL and PREFECT_API_KEY there,
 * so a user who logged in needs nothing else. The environment wins over the profile.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { PrefectSettingsError } from './api/client';

const settingValue = z.union([z.string(), z.number(), z.boolean()]);
const profilesFile = z.object({
  active: z.string().optional(),
  profiles: z.record(z.string(), z.record(z.string(), settingValue)).optional(),
});

export function profilesPath(env: NodeJS.ProcessEnv): string {
  if (env.PREFECT_PROFILES_PATH) return expandHome(env.PREFECT_PROFILES_PATH);
  return join(expandHome(env.PREFECT_HOME || join(homedir(), '.prefect')), 'profiles.toml');
}

/** The settings of the active profile (empty when there is no profiles file or no active profile). */
export function activeProfileSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const path = profilesPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (env.PREFECT_PROFILE) throw new PrefectSettingsError('PREFECT_PROFILE', `names profile "${env.PREFECT_PROFILE}" but ${path} does not exist`);
      return {};
    }
    throw err;
  }
  let parsed: z.infer<typeof profilesFile>;
  try {
    parsed = profilesFile.parse(parseToml(text));
  } catch (err) {
    throw new PrefectSettingsError(path, `is not a Prefect profiles file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const name = env.PREFECT_PROFILE || parsed.active;
  if (!name) return {};
  const profile = parsed.profiles?.[name];
  if (!profile) {
    // Prefect's own default profiles ("ephemeral", "local") may be active without being written down.
    if (!env.PREFECT_PROFILE) return {};
    throw new PrefectSettingsError('PREFECT_PROFILE', `names profile "${name}", which ${path} does not define`);
  }
  return Object.fromEntries(Object.entries(profile).map(([key, value]) => [key, String(value)]));
}

/** The environment with the active profile's settings under it, as Prefect resolves a setting. */
export function withActiveProfile(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const profile = activeProfileSettings(env);
  const merged: NodeJS.ProcessEnv = { ...profile };
  // An empty variable counts as unset, as an unset one: the profile's value stands.
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
