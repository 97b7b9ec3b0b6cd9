#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the repository works without a build step.
require('tsx/cjs');
require('../src/client/cli.ts')
  .main()
  .then((code) => {
    process.exitCode = code;
  });
