import { temporalCliPath } from '../../src/client/temporalCli';

/** Runs once per jest run: provisions the temporal CLI so test files find it in TEMPORAL_CLI. */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI = temporalCliPath();
}
