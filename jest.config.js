/**
 * Three projects: `unit` (no processes, no network), `integration` (the emulator, Azurite, CLI
 * processes, a dev server for the workflow against scripted activities or a worker's start-up
 * checks, the replay corpus, the packed tarballs installed into empty projects) and `e2e` (whole
 * flow runs: dev server, emulator and workers together). `npm test` runs `scripts/test.mjs`: the
 * e2e files one at a time, beside the checks and then the unit and integration tests on one worker.
 * `npm run test:unit` is the fast loop: no build, no provisioning.
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
};

/** Builds dist/ when a source changed and provisions the Temporal CLI; the unit project needs neither. */
const globalSetup = '<rootDir>/test/helpers/globalSetup.ts';

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
  // Files tagged @needsTestTools last: npm test provisions those tools while the others run.
  testSequencer: '<rootDir>/test/helpers/testToolsLastSequencer.js',
  testTimeout: 60_000,
  // A bare `npx jest` may include e2e files, which must not share the machine with each other.
  maxWorkers: 1,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    // test/replay: every release's recorded histories replayed against today's workflow code.
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'], globalSetup },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], globalSetup },
  ],
};
