/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
  globalSetup: '<rootDir>/test/helpers/globalSetup.ts',
  testTimeout: 60_000,
  // The e2e tests share one machine's two cores with a dev server, the emulator and workers.
  maxWorkers: 1,
};
