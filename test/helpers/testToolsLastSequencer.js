// Jest's own order (failed first, then longest first), except that files tagged `@needsTestTools`
// in a doc comment run after the others. `npm test` provisions those tools (tools/prefect-venv,
// tools/venv, Chromium: scripts/setup.mjs --test) while the first files already run; a tagged
// file that comes early only waits for that install (setup's lock), so the tag is about time,
// not correctness.
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const TAG = /^\s*\*\s*@needsTestTools\b/m;

class TestToolsLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const needsTools = (test) => TAG.test(readFileSync(test.path, 'utf8'));
    return [...sorted.filter((test) => !needsTools(test)), ...sorted.filter(needsTools)];
  }
}
TestToolsLastSequencer.TAG = TAG;
module.exports = TestToolsLastSequencer;
