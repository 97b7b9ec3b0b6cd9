#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs in a clone).
require('../dist/cli/main.js')
  .main()
  .then((code) => {
    process.exitCode = code;
  });
