// Ends the run with a plain "N passed, N failed" line, which CI systems read without knowing jest.
// `npm test` runs jest twice (scripts/test.mjs): with ACI_FLOW_TEST_TOTALS naming a file, each run
// appends its counts there instead, and the script prints the one line for both.
const { appendFileSync } = require('node:fs');

const TOTALS_ENV = 'ACI_FLOW_TEST_TOTALS';

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const totalsFile = process.env[TOTALS_ENV];
    if (totalsFile) {
      appendFileSync(totalsFile, `${JSON.stringify({ passed: results.numPassedTests, failed: results.numFailedTests })}\n`);
      return;
    }
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed\n`);
  }
}
SummaryReporter.TOTALS_ENV = TOTALS_ENV;
module.exports = SummaryReporter;
