import { ArmError } from './errors';
import type { Route } from './http';
import type { ActiveFaults } from './faults';
import type { EmulatorCounters } from './counters';

export interface ControlApi {
  counters(): EmulatorCounters;
  resetCounters(): void;
  faults(): ActiveFaults;
  /** Throws with the offending field when the body is not a valid FaultConfig. */
  replaceFaults(body: unknown): ActiveFaults;
  patchFaults(body: unknown): ActiveFaults;
  containerGroups(): unknown[];
  createResourceGroup(name: string): void;
}

/** Test and benchmark controls under /_emulator/, outside ARM: not throttled, not counted; they need the token when one is required. */
export function controlRoutes(api: ControlApi): Route[] {
  const invalidFaults = (run: () => ActiveFaults) => {
    try {
      return { status: 200, body: run() };
    } catch (error) {
      throw new ArmError(400, 'InvalidFaultConfiguration', error instanceof Error ? error.message : String(error));
    }
  };
  return [
    { pattern: ['_emulator', 'counters'], methods: { GET: { kind: 'control', handle: () => ({ status: 200, body: api.counters() }) } } },
    {
      pattern: ['_emulator', 'counters', 'reset'],
      methods: {
        POST: {
          kind: 'control',
          handle: () => {
            api.resetCounters();
            return { status: 200, body: api.counters() };
          },
        },
      },
    },
    {
      pattern: ['_emulator', 'faults'],
      methods: {
        GET: { kind: 'control', handle: () => ({ status: 200, body: api.faults() }) },
        PUT: { kind: 'control', handle: ({ body }) => invalidFaults(() => api.replaceFaults(body ?? {})) },
        PATCH: { kind: 'control', handle: ({ body }) => invalidFaults(() => api.patchFaults(body ?? {})) },
      },
    },
    { pattern: ['_emulator', 'containerGroups'], methods: { GET: { kind: 'control', handle: () => ({ status: 200, body: api.containerGroups() }) } } },
    {
      pattern: ['_emulator', 'resourceGroups', ':resourceGroup'],
      methods: {
        POST: {
          kind: 'control',
          handle: ({ params }) => {
            api.createResourceGroup(params.resourceGroup);
            return { status: 201, body: { name: params.resourceGroup } };
          },
        },
      },
    },
  ];
}
