/**
 * @needsTestTools — Chromium
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { freePort } from '../../src/localServices';
import { containerGroupNameFor } from '../../src/template/naming';
import { waitFor } from '../helpers/waitFor';
import { ACI_FLOW_BIN, REPO_ROOT } from './cliProcess';
import { must, nth } from '../helpers/must';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium as scripts/setup.mjs finds it; when it is missing, setup's message says what to install. */
function chromiumPath(): string {
  const found = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'setup.mjs'), '--print-chromium-path'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(found.stderr.trim());
  return found.stdout.trim();
}

/** `aci-flow demo` keeps the dev server and its UI up after the sample run, which is what a user opens. */
describe('the Temporal UI of a finished flow run, opened from the link the demo prints', () => {
  let demo: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let browser: Browser | undefined;
  let port: number;
  let uiPort: number;

  beforeAll(async () => {
    port = await freePort();
    uiPort = await freePort(undefined, [port]);
    demo = spawn(process.execPath, [ACI_FLOW_BIN, 'demo', '--port', String(port), '--ui-port', String(uiPort)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ACI_FLOW_LOG_DIR: mkdtempSync(join(tmpdir(), 'aci-flow-ui-logs-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (chunk) => (output += chunk));
    demo.stderr?.on('data', (chunk) => (output += chunk));
    exited = new Promise((resolve) => demo.once('exit', (code) => resolve(code)));
    await waitFor(
      () => {
        if (demo.exitCode !== null) throw new Error(`the demo exited with ${demo.exitCode} before finishing its sample run:\n${output}`);
        return output.includes('press Ctrl-C');
      },
      'the demo to finish its sample run',
      { timeoutMs: 90_000, intervalMs: 250, lastSeen: () => output },
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
  });

  it('shows the workflow id and the FlowRunId, ContainerGroup and Phase search attributes', async () => {
    const link = output.match(/in the UI: (http:\/\/localhost:\d+\/namespaces\/default\/workflows\/(flow-run-(demo-[0-9a-f]+)))/);
    const groups = must(link ?? undefined, 'the UI link in the demo output');
    const [url, workflowId, flowRunId] = [nth(groups, 1), nth(groups, 2), nth(groups, 3)];
    expect(url.startsWith(`http://localhost:${uiPort}/`)).toBe(true);

    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('heading', { name: workflowId }).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('main').innerText()).toMatch(/\bCOMPLETED\b/);

    await page.getByRole('tab', { name: 'Search Attributes' }).click();
    const attributes = page.getByText('"ContainerGroup"').first();
    await attributes.waitFor({ timeout: 30_000 });
    const text = await page.locator('main').innerText();
    expect(text).toContain(`"FlowRunId": "${flowRunId}"`);
    expect(text).toContain(`"ContainerGroup": "${containerGroupNameFor('hello-aci', flowRunId)}"`);
    expect(text).toContain('"Phase": "Completed"');
    expect(text).toContain('"ExitCode": 0');
  }, 90_000);

  it('shuts the dev server and its UI down cleanly on Ctrl-C and exits 0', async () => {
    demo.kill('SIGINT');
    await expect(exited).resolves.toBe(0);
    expect(output).toContain('Shutting down the worker, the emulator and the dev server');
    expect(await freePort(port)).toBe(port);
    expect(await freePort(uiPort)).toBe(uiPort);
  }, 60_000);
});
