/**
 * Replays every committed history (test/replay/histories/<release>/<row>.json, recorded from
 * each release by `npm run record-replay-corpus`) against the current workflow code. A change that would
 * break a run in flight across an upgrade fails here with the history's name; such a change
 * needs `patched()` (docs/operations.md, "Upgrades with runs in flight").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../src/workerHost';
import { sharedWorkflowBundle } from '../helpers/stack';

jest.setTimeout(120_000);

const CORPUS_DIR = join(__dirname, 'histories');

/** The rows the corpus must cover: the README's outcome table, plus a cancel while deploying, an abandoned cleanup and max_run_seconds. */
const REQUIRED = [
  'exit-0',
  'exit-nonzero',
  'never-starts-timeout',
  'image-pull-fails',
  'bad-template',
  'cancel-signal-while-running',
  'workflow-cancel-while-waiting-for-start',
  'cancel-flow-run-while-running',
  'group-deleted-mid-run',
  'max-run-seconds',
  'exit-nonzero-keep-failed-container-group',
  'cleanup-abandoned',
  'cancel-while-deploying',
];

const releases = () =>
  readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

function corpus(release?: string): Array<{ workflowId: string; history: ReturnType<typeof historyFromJSON> }> {
  return (release ? [release] : releases()).flatMap((name) =>
    readdirSync(join(CORPUS_DIR, name))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => ({
        // The history's name, `<release>/<row>`, is what a failure reports.
        workflowId: `${name}/${file.replace(/\.json$/, '')}`,
        history: historyFromJSON(JSON.parse(readFileSync(join(CORPUS_DIR, name, file), 'utf8'))),
      })),
  );
}

describe('replay corpus', () => {
  it("covers every outcome row in each release's set", () => {
    expect(releases().length).toBeGreaterThan(0);
    for (const release of releases()) {
      expect(corpus(release).map((entry) => entry.workflowId)).toEqual(expect.arrayContaining(REQUIRED.map((row) => `${release}/${row}`)));
    }
  });

  it('replays every committed history with the current workflow code', async () => {
    const bundle = sharedWorkflowBundle();
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(bundle ? { workflowBundle: bundle } : { workflowsPath: workflowsPath() }, corpus())) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
