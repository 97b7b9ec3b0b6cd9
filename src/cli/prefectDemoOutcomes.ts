/** The flow runs `aci-flow demo --prefect --outcomes` can show. Outside src/cli/demo: the CLI parses the flag with it, and `--help` never loads the demo. */
export const PREFECT_DEMO_OUTCOMES = ['completed', 'crashed', 'cancelled'] as const;
export type PrefectDemoOutcome = (typeof PREFECT_DEMO_OUTCOMES)[number];
