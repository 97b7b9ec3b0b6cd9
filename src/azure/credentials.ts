/**
 * Which Azure a worker talks to and with which credential:
 * - nothing set: public Azure Resource Manager with DefaultAzureCredential (client secret,
 *   workload identity, managed identity, az login);
 * - ACI_FLOW_ARM_ENDPOINT alone: another ARM endpoint (sovereign cloud), still DefaultAzureCredential;
 * - ACI_FLOW_ARM_ENDPOINT + ACI_FLOW_ARM_CA_FILE: the local emulator — its CA is trusted and a
 *   static token is sent (ACI_FLOW_ARM_TOKEN or a fixed dev token). TLS is verified in every case.
 */
import { readFileSync } from 'node:fs';
import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { ConfigError, configErrorFromZod } from '../config/errors';
import { ArmGateway, type ArmGatewayOptions } from './armGateway';
import { type ArmLimits, ArmRateLimiter } from '../budget/rateLimiter';
import type { AciFlowMetrics } from '../common/metrics';

export const DEV_TOKEN = 'aci-flow-local-dev-token';
const FAR_FUTURE_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** A fixed bearer token for ARM endpoints that accept any token, such as the emulator. */
export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string = DEV_TOKEN) {}

  async getToken(): Promise<AccessToken> {
    // Expiry far ahead so the SDK's bearer policy never tries to refresh it.
    return { token: this.token, expiresOnTimestamp: Date.now() + FAR_FUTURE_MS };
  }
}

const positive = z.number().positive();

export const azureConnectionConfigSchema = z
  .object({
    /** ARM endpoint; https only, because the SDK's bearer-token policy refuses plain http. */
    endpoint: z.url({ protocol: /^https$/, message: 'must be an https:// URL (the Azure SDK sends tokens only over https)' }).optional(),
    /** PEM of the CA that signed the endpoint's certificate (the emulator's); selects the static token. */
    caCertPem: z
      .string()
      .refine((pem) => pem.includes('-----BEGIN CERTIFICATE-----'), 'must contain a PEM certificate (-----BEGIN CERTIFICATE-----)')
      .optional(),
    /** Static bearer token; only meaningful with a custom endpoint. */
    token: z.string().min(1).optional(),
    pollIntervalMs: z.number().int().positive().optional(),
    limits: z.object({ readsPerSecond: positive, writesPerSecond: positive, deletesPerSecond: positive, burst: positive }).partial().optional(),
    /** false: ignore ARM's remaining-budget headers and keep the static limits alone (the benchmark's Prefect-style baseline). */
    steering: z.boolean().optional(),
  })
  .superRefine((config, ctx) => {
    if (config.endpoint) return;
    for (const field of ['caCertPem', 'token'] as const) {
      if (config[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `only applies to a custom ARM endpoint; set ${ENV.endpoint} (endpoint) too, or remove this to use Azure with DefaultAzureCredential`,
        });
      }
    }
  });

export type AzureConnectionConfig = z.infer<typeof azureConnectionConfigSchema>;

const ENV = {
  endpoint: 'ACI_FLOW_ARM_ENDPOINT',
  caFile: 'ACI_FLOW_ARM_CA_FILE',
  token: 'ACI_FLOW_ARM_TOKEN',
  pollIntervalMs: 'ACI_FLOW_ARM_POLL_INTERVAL_MS',
  readsPerSecond: 'ACI_FLOW_ARM_READS_PER_SECOND',
  writesPerSecond: 'ACI_FLOW_ARM_WRITES_PER_SECOND',
  deletesPerSecond: 'ACI_FLOW_ARM_DELETES_PER_SECOND',
  burst: 'ACI_FLOW_ARM_BURST',
  steering: 'ACI_FLOW_ARM_STEERING',
} as const;

/** Config field → environment variable, so errors name what the user actually set. */
const FIELD_TO_ENV: Record<string, string> = {
  endpoint: ENV.endpoint,
  caCertPem: ENV.caFile,
  token: ENV.token,
  pollIntervalMs: ENV.pollIntervalMs,
  'limits.readsPerSecond': ENV.readsPerSecond,
  'limits.writesPerSecond': ENV.writesPerSecond,
  'limits.deletesPerSecond': ENV.deletesPerSecond,
  'limits.burst': ENV.burst,
  steering: ENV.steering,
};

function optionalNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(name, `must be a number, got '${raw}'`);
  return value;
}

function optionalSwitch(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(name, `must be 'on' or 'off', got '${raw}'`);
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(ENV.caFile, `cannot read '${path}' (${(err as Error).message}); point it at the emulator's CA PEM file`);
  }
}

/** Reads and validates the ACI_FLOW_ARM_* variables; throws ConfigError naming the variable at fault. */
export function azureConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): AzureConnectionConfig {
  const caFile = env[ENV.caFile]?.trim();
  const limits = {
    readsPerSecond: optionalNumber(env, ENV.readsPerSecond),
    writesPerSecond: optionalNumber(env, ENV.writesPerSecond),
    deletesPerSecond: optionalNumber(env, ENV.deletesPerSecond),
    burst: optionalNumber(env, ENV.burst),
  };
  const candidate = {
    endpoint: env[ENV.endpoint]?.trim() || undefined,
    caCertPem: caFile ? readCaFile(caFile) : undefined,
    token: env[ENV.token] || undefined,
    pollIntervalMs: optionalNumber(env, ENV.pollIntervalMs),
    steering: optionalSwitch(env, ENV.steering),
    limits: Object.values(limits).some((value) => value !== undefined)
      ? Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined))
      : undefined,
  };
  const parsed = azureConnectionConfigSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    ...issue,
    path: [FIELD_TO_ENV[issue.path.join('.')] ?? issue.path.join('.')],
  }));
  throw configErrorFromZod({ issues }, '');
}

/** The emulator (or another endpoint that takes any token): every call sends the static token. */
export function usesStaticToken(config: AzureConnectionConfig): boolean {
  return Boolean(config.endpoint && (config.caCertPem || config.token));
}

/** The credential the config selects: the emulator's static token, or DefaultAzureCredential. */
export function credentialFor(config: AzureConnectionConfig): TokenCredential {
  if (usesStaticToken(config)) return new StaticTokenCredential(config.token);
  return new DefaultAzureCredential();
}

/**
 * The ARM budget of a connection config: its limits (ACI_FLOW_ARM_*), steered from ARM's
 * remaining-budget headers unless `steering` is false, its waits recorded into `metrics`.
 */
export function createArmLimiter(config: Pick<AzureConnectionConfig, 'limits' | 'steering'>, metrics?: AciFlowMetrics): ArmRateLimiter {
  return new ArmRateLimiter({ limits: config.limits, metrics, steering: config.steering !== false });
}

/**
 * The gateway for a connection config; `overrides` tune retries, set the limits or share a
 * limiter (tests, benchmark), or set the credential of a pool's aci_credentials (gatewayFactory.ts).
 * Without a `limiter` the gateway gets a budget of its own (createArmLimiter).
 */
export function createGateway(
  config: AzureConnectionConfig,
  overrides: Omit<Partial<ArmGatewayOptions>, 'endpoint' | 'caCertPem'> & { limits?: Partial<ArmLimits> } = {},
): ArmGateway {
  const parsed = azureConnectionConfigSchema.safeParse(config);
  if (!parsed.success) throw configErrorFromZod(parsed.error, 'azure connection');
  const valid = parsed.data;
  const { credential, limits, limiter, ...tuning } = overrides;
  return new ArmGateway({
    credential: credential ?? credentialFor(valid),
    endpoint: valid.endpoint,
    caCertPem: valid.caCertPem,
    pollIntervalMs: valid.pollIntervalMs,
    ...tuning,
    limiter: limiter ?? createArmLimiter({ limits: limits ?? valid.limits, steering: valid.steering }, tuning.metrics),
  });
}
