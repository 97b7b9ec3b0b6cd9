/**
 * The container's environment for ACI: base variables, then the configured ones (a null
 * value removes a base variable). Secret variables go out as `secureValue`, so ACI hides
 * them from the group's properties; their values are still `secretref:NAME` here, and
 * `secureValue` is the only env field where the worker resolves a reference.
 */
import { DEFAULT_SECRET_ENV_NAMES, isSecretRef, looksLikeSecretEnvName } from '../config/secretReferences';

export type ArmEnvironmentVariable = { name: string; value: string } | { name: string; secureValue: string };

export function armEnvironment(
  base: Record<string, string>,
  configured: Record<string, string | null>,
  secretEnvNames: readonly string[],
): ArmEnvironmentVariable[] {
  const secretNames = new Set([...DEFAULT_SECRET_ENV_NAMES, ...secretEnvNames]);
  const merged: Record<string, string | null> = { ...base, ...configured };
  return Object.entries(merged)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => (secretNames.has(name) || looksLikeSecretEnvName(name) || isSecretRef(value) ? { name, secureValue: value } : { name, value }));
}
