/**
 * @needsTestTools — `demo --prefect` starts a real Prefect server (tools/prefect-venv)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startAzurite } from '../../src/localServices';
import { readFrom } from '../../src/logs/blobLogReader';
import { logContainerClient } from '../../src/logs/blobContainer';
import { waitFor } from '../helpers/waitFor';
import { runCli, startCli } from './cliProcess';

describe('aci-flow demo --exit-when-done', () => {
  const afterStops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(afterStops.splice(0).map((stop) => stop()));
  });

  it('runs the sample flow run through every phase with its logs and a UI link, then shuts everything down', async () => {
    const port = await freePort();
    const uiPort = await freePort(undefined, [port]);
    // The demo's own Azurite goes away with it: give it an account that outlives it, to look at the blob after.
    const azurite = await startAzurite();
    afterStops.push(azurite.stop);
    const result = await runCli(
      ['demo', '--exit-when-done', '--port', String(port), '--ui-port', String(uiPort)],
      { ACI_FLOW_LOG_BLOB_CONNECTION_STRING: azurite.connectionString, ACI_FLOW_LOG_BLOB_CONTAINER: 'demo-logs' },
      120_000,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const out = result.stdout;
    expect(out).toContain(`Temporal Web UI: http://localhost:${uiPort}`);
    const link = out.match(new RegExp(`in the UI: http://localhost:${uiPort}/namespaces/default/workflows/flow-run-(demo-[0-9a-f]{8})`));
    expect(link).not.toBeNull();
    const flowRunId = link![1];

    const logLines = out
      .split('\n')
      .filter((line) => line.startsWith('    | '))
      .map((line) => line.slice(6));
    expect(logLines).toEqual(['step 1 of 5', 'step 2 of 5', 'step 3 of 5', 'step 4 of 5', 'step 5 of 5', 'done']);
    // What the demo printed is exactly what the worker recorded in the run's blob, as `aci-flow logs` reads it.
    const container = logContainerClient({ connectionString: azurite.connectionString, container: 'demo-logs' });
    const blobNames: string[] = [];
    for await (const blob of container.listBlobsFlat()) blobNames.push(blob.name);
    expect(blobNames).toEqual([expect.stringMatching(new RegExp(`^[^/]+/${flowRunId}\\.log$`))]);
    expect((await readFrom(container.getBlobClient(blobNames[0]!), 0)).toString('utf8')).toBe(`${logLines.join('\n')}\n`);
    const livePhases = out
      .split('\n')
      .filter((line) => line.startsWith('  phase: '))
      .map((line) => line.slice(9));
    expect(livePhases).toEqual(['Deploying', 'WaitingForStart', 'Running', 'CleaningUp', 'Completed']);
    expect(out).toContain('Phases: Deploying → WaitingForStart → Running → CleaningUp → Completed');
    expect(out).toMatch(new RegExp(`^Flow run\\s+${flowRunId}$`, 'm'));
    expect(out).toMatch(/^Phase\s+Completed$/m);
    expect(out).toMatch(/^Exit code\s+0$/m);

    // The dev server and its UI are gone: their ports are free again.
    expect(await freePort(port)).toBe(port);
    expect(await freePort(uiPort)).toBe(uiPort);
  }, 150_000);

  it('on Ctrl-C during the sample run shuts everything down and exits 1', async () => {
    const port = await freePort();
    const uiPort = await freePort(undefined, [port]);
    const demo = startCli(['demo', '--port', String(port), '--ui-port', String(uiPort)], {
      ACI_FLOW_LOG_DIR: mkdtempSync(join(tmpdir(), 'aci-flow-demo-logs-')),
    });
    const { output, exited } = demo;
    try {
      // Interrupt as soon as the run exists: its container alone takes five seconds, so the run
      // cannot finish first even when log lines reach the demo late on a loaded machine.
      await waitFor(
        () => {
          if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode} before its sample run started:\n${output()}`);
          return output().includes('phase: Deploying');
        },
        'the sample run to start deploying',
        { timeoutMs: 90_000, lastSeen: output },
      );
      demo.child.kill('SIGINT');
      expect(await exited).toBe(1);
      expect(output()).toContain('aci-flow: interrupted before the sample flow run finished');
      expect(output()).not.toMatch(/Error:|at .*node_modules/);
      expect(await freePort(port)).toBe(port);
      expect(await freePort(uiPort)).toBe(uiPort);
    } finally {
      demo.killIfRunning();
    }
  }, 150_000);

  it('exits 2 and names the option when a port is not a number', async () => {
    const result = await runCli(['demo', '--port', 'seven']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--port <port>' argument 'seven' is invalid");
  });
});

describe('aci-flow demo --prefect', () => {
  // One demo run, as a user starts it (without --exit-when-done, which only skips the wait for
  // Ctrl-C): a Prefect server starts in about 8 s and the run takes about 15, so one run carries
  // every check of what it prints and of what stays up.
  it('runs a Prefect deployment through the bridge to Completed in Prefect, printing its states, phases and both UI links, and keeps both UIs up until Ctrl-C', async () => {
    const port = await freePort();
    const uiPort = await freePort(undefined, [port]);
    const prefectPort = await freePort(undefined, [port, uiPort]);
    const demo = startCli(['demo', '--prefect', '--port', String(port), '--ui-port', String(uiPort), '--prefect-port', String(prefectPort)]);
    const { output, exited } = demo;
    try {
      await waitFor(
        () => {
          if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode} before its run finished:\n${output()}`);
          return output().includes('press Ctrl-C to stop everything');
        },
        'the Prefect demo run to finish',
        { timeoutMs: 200_000, intervalMs: 250, lastSeen: output },
      );
      const out = output();
      expect(out).toContain(`Temporal Web UI: http://localhost:${uiPort}`);
      expect(out).toContain(`Prefect server and UI: http://127.0.0.1:${prefectPort}`);
      const prefectLink = out.match(new RegExp(`^  Prefect UI:  (http://127\\.0\\.0\\.1:${prefectPort}/runs/flow-run/([0-9a-f-]{36}))$`, 'm'));
      expect(prefectLink).not.toBeNull();
      const [, prefectUrl, flowRunId] = prefectLink!;
      const temporalUrl = `http://localhost:${uiPort}/namespaces/default/workflows/flow-run-${flowRunId}`;
      expect(out).toContain(`  Temporal UI: ${temporalUrl}`);

      const lines = out.split('\n');
      const live = (prefix: string) => lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
      // As they happened: Prefect's states, read from the Prefect API, and the workflow's phases.
      const liveStates = live('  Prefect: ');
      expect(liveStates).toEqual(expect.arrayContaining(['Pending', 'Running']));
      expect(liveStates[liveStates.length - 1]).toBe('Completed');
      expect(live('  aci-flow: ')).toEqual(['Deploying', 'WaitingForStart', 'Running', 'CleaningUp', 'Completed']);
      // The bridge says so on its next poll, which may come after the demo's own summary.
      const reconciled = `[prefect-worker] flow run ${flowRunId}: aci-flow Completed; Prefect state COMPLETED stands`;
      await waitFor(() => output().includes(reconciled), 'the bridge to reconcile the run', { timeoutMs: 30_000, intervalMs: 250, lastSeen: output });
      // Prefect's state history (GET /flow_run_states/) beside the workflow's events, on one time line.
      const table = lines.slice(lines.findIndex((line) => line.includes('Prefect state history beside')) + 1);
      const temporalColumnAt = table[0]!.indexOf('TEMPORAL EVENT');
      const history = table.slice(1).filter((line) => /^ {4}\d\d:\d\d:\d\d\.\d{3} {2}/.test(line));
      const prefectColumn = history.map((line) => line.slice('    hh:mm:ss.mmm  '.length, temporalColumnAt).trim()).filter(Boolean);
      expect(prefectColumn).toEqual(['Scheduled', 'Pending', 'Running', 'Completed']);
      expect(history[history.length - 1]).toMatch(/WorkflowExecutionCompleted$/);
      expect(out).toContain(`completed  flow run ${flowRunId}: COMPLETED (expected COMPLETED)`);

      // What a browser gets for each link: the UI's page.
      for (const url of [prefectUrl!, temporalUrl]) {
        const page = await fetch(url, { headers: { accept: 'text/html' } });
        expect({ url, status: page.status, type: page.headers.get('content-type') }).toEqual({ url, status: 200, type: expect.stringContaining('text/html') });
      }
      // Prefect's own record of the run, read independently of what the demo printed.
      const run = (await (await fetch(`http://127.0.0.1:${prefectPort}/api/flow_runs/${flowRunId}`)).json()) as {
        state_type: string;
        infrastructure_pid: string;
      };
      expect(run.state_type).toBe('COMPLETED');
      expect(run.infrastructure_pid).toBe(`hello-prefect-${flowRunId}`);

      demo.child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output()).not.toMatch(/Error:|at .*node_modules/);
      // The dev server, its UI and the Prefect server are gone: their ports are free again.
      expect(await freePort(port)).toBe(port);
      expect(await freePort(uiPort)).toBe(uiPort);
      expect(await freePort(prefectPort)).toBe(prefectPort);
    } finally {
      demo.killIfRunning();
    }
  }, 300_000);

  it('exits 2 naming --outcomes when an outcome is unknown, or when --prefect is missing', async () => {
    const unknown = await runCli(['demo', '--prefect', '--outcomes', 'completed,exploded']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("option '--outcomes <list>' argument 'completed,exploded' is invalid. unknown outcome 'exploded'");
    const withoutPrefect = await runCli(['demo', '--outcomes', 'crashed']);
    expect(withoutPrefect.code).toBe(2);
    expect(withoutPrefect.stderr).toContain('--outcomes needs --prefect');
  });
});
