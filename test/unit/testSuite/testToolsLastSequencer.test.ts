/**
 * npm test provisions the tools some files need while the others run, so the sequencer puts the
 * files tagged @needsTestTools last and otherwise keeps Jest's order (here, with no timings
 * recorded, the larger file first).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from '@jest/test-result';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the sequencer is the CommonJS file jest.config.js names
const TestToolsLastSequencer = require('../../helpers/testToolsLastSequencer.js') as new (options: unknown) => { sort(tests: Test[]): Promise<Test[]> };

describe('the test-tools-last sequencer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sequencer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function testFile(name: string, source: string, size: number): Test {
    const path = join(dir, name);
    writeFileSync(path, source);
    const context = { config: { cache: false, rootDir: dir }, hasteFS: { getSize: () => size } };
    return { path, context } as unknown as Test;
  }

  it('runs tagged files after the others and keeps the rest in order', async () => {
    const tests = [
      testFile('small.test.ts', "it('a', () => {});\n", 10),
      testFile('prefect.test.ts', "/**\n * A real Prefect server.\n *\n * @needsTestTools — tools/prefect-venv\n */\nit('b', () => {});\n", 1000),
      testFile('large.test.ts', "it('c', () => {});\n", 500),
      testFile('mentions.test.ts', "// the tag @needsTestTools in a line comment or in code is no tag\nconst tag = '@needsTestTools';\n", 800),
    ];
    const sorted = await new TestToolsLastSequencer({}).sort(tests);
    expect(sorted.map((test) => test.path.split('/').pop())).toEqual(['mentions.test.ts', 'large.test.ts', 'small.test.ts', 'prefect.test.ts']);
  });
});
