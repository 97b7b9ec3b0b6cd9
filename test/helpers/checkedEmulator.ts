/**
 * The emulator as every test starts it: each response it sends is checked against the
 * published REST API specification of its operation and api-version (restSpecs.ts: container
 * groups, deployments, deployment operations, resource groups and the async-operation status). A
 * violation cannot be missed: `close()` throws listing every one, so the suite's afterAll fails.
 * Deliberate differences are listed in ALLOWED_DIFFERENCES with the reason (docs/emulator.md).
 */
import {
  type EmulatorExchange,
  type EmulatorOptions,
  type FaultConfig,
  FaultConfigSchema,
  type RunningEmulator,
  startEmulator as startUncheckedEmulator,
} from '../../src/emulator';
import { deploymentBodyViolations } from './armSchemas';
import { findOperation } from './restSpecs';

export * from '../../src/emulator';

/** `setFaults(NO_FAULTS)` switches every fault off (each one the emulator knows), as a test starts. */
export const NO_FAULTS: Partial<FaultConfig> = Object.fromEntries(Object.keys(FaultConfigSchema.shape).map((fault) => [fault, undefined]));

/** operationId → the violations (substring) the emulator is allowed, and why. Empty: none is. */
export const ALLOWED_DIFFERENCES: Record<string, Array<{ contains: string; why: string }>> = {};

export interface ConformanceReport {
  /** Responses checked against a specification, by operationId. */
  checked: Record<string, number>;
  /** Responses no vendored specification describes (the emulator's own /_emulator control API, unknown paths and api-versions). */
  unchecked: number;
  violations: string[];
}

export type CheckedEmulator = RunningEmulator & { conformance(): ConformanceReport };

export interface CheckedEmulatorOptions extends EmulatorOptions {
  /**
   * Also check every deployment body the emulator accepted against Microsoft's ARM template
   * schemas (armSchemas.ts). For runs whose deployments aci-flow sends (the e2e stack); the
   * emulator's own tests send hostile and minimal templates on purpose.
   */
  checkDeploymentBodies?: boolean;
}

const DEPLOYMENT_PUT = /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.resources\/deployments\/[^/]+$/i;

export async function startEmulator(options: CheckedEmulatorOptions = {}): Promise<CheckedEmulator> {
  const report: ConformanceReport = { checked: {}, unchecked: 0, violations: [] };
  const { checkDeploymentBodies, ...emulatorOptions } = options;
  const emulator = await startUncheckedEmulator({
    ...emulatorOptions,
    onResponse: (exchange) => {
      options.onResponse?.(exchange);
      checkExchange(exchange, report);
      if (checkDeploymentBodies) checkDeploymentBody(exchange, report);
    },
  });
  return {
    ...emulator,
    conformance: () => ({ ...report, checked: { ...report.checked }, violations: [...report.violations] }),
    close: async () => {
      await emulator.close();
      if (report.violations.length > 0) {
        throw new Error(
          `the emulator sent ${report.violations.length} response(s) the published API does not allow:\n${report.violations.slice(0, 20).join('\n')}`,
        );
      }
    },
  };
}

export function checkExchange(exchange: EmulatorExchange, report: ConformanceReport): void {
  const found = findOperation(exchange.method, exchange.path, exchange.query.get('api-version') ?? '');
  if (!found) {
    report.unchecked += 1;
    return;
  }
  const { operation } = found;
  report.checked[operation.operationId] = (report.checked[operation.operationId] ?? 0) + 1;
  const problems = operation.check(exchange.status, exchange.body);
  if (
    operation.longRunning &&
    (exchange.status === 201 || exchange.status === 202) &&
    !exchange.headers['Azure-AsyncOperation'] &&
    !exchange.headers.Location
  ) {
    problems.push(`${operation.operationId} ${exchange.status} is long-running: it needs an Azure-AsyncOperation or Location header`);
  }
  const allowed = ALLOWED_DIFFERENCES[operation.operationId] ?? [];
  for (const problem of problems) {
    if (allowed.some((entry) => problem.includes(entry.contains))) continue;
    report.violations.push(`${exchange.method} ${exchange.path} → ${exchange.status} (${operation.operationId} ${operation.apiVersion}): ${problem}`);
  }
}

/** A deployment PUT the emulator accepted: its body against the deployment template, resource and parameter schemas. */
export function checkDeploymentBody(exchange: EmulatorExchange, report: ConformanceReport): void {
  if (exchange.method !== 'PUT' || exchange.status >= 300 || !DEPLOYMENT_PUT.test(exchange.path)) return;
  report.checked['deployment body (ARM template schemas)'] = (report.checked['deployment body (ARM template schemas)'] ?? 0) + 1;
  const body = exchange.requestBody as { properties: { template: Record<string, unknown>; parameters?: unknown } };
  for (const violation of deploymentBodyViolations(body)) {
    report.violations.push(`PUT ${exchange.path} request body ${violation.path}: ${violation.message}`);
  }
}
