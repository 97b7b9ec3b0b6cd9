/** The flow runs `aci-flow demo --prefect --outcomes` can show, each ending in its own Prefect state. Light: the CLI parses flags with it. */
export const PREFECT_DEMO_OUTCOMES = ['completed', 'crashed', 'cancelled'] as const;
export type PrefectDemoOutcome = (typeof PREFECT_DEMO_OUTCOMES)[number];
