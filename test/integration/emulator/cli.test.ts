import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningEmulator } from '../../../src/emulator';
import { containerGroupTemplate, deploymentPath, isAlive, rawRequest, runCli, SUBSCRIPTION_ID, waitForOutput, waitForPid } from './emulatorHarness';

describe('aci-flow emulator (CLI)', () => {
  it('prints one JSON line with endpoint and CA path, applies flags, and on SIGTERM ends its container processes and exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'aci-flow-cli-emulator-'));
    const faultsFile = path.join(dataDir, 'faults.json');
    writeFileSync(faultsFile, JSON.stringify({ quotaExceeded: { name: 'over-quota' } }));
    const run = runCli(['emulator', '--port', '0', '--json', '--data-dir', dataDir, '--resource-group', 'cli-rg', '--faults', faultsFile]);
    try {
      const line = await waitForOutput(run, /^\{.*\}\n/m);
      const printed = JSON.parse(line[0]) as { endpoint: string; caCertPath: string };
      expect(printed.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(printed.caCertPath).toBe(path.join(dataDir, 'ca.pem'));
      const emulator = { endpoint: printed.endpoint, caCertPem: readFileSync(printed.caCertPath, 'utf8') } as RunningEmulator;

      expect((await rawRequest(emulator, 'GET', '/_emulator/faults', { auth: false })).json).toEqual({ quotaExceeded: { name: 'over-quota' } });

      const pidFile = path.join(dataDir, 'container.pid');
      const template = containerGroupTemplate('cli-group', { command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`] });
      const put = await rawRequest(emulator, 'PUT', deploymentPath('cli-dep').replace('/resourceGroups/aci-flow-test/', '/resourceGroups/cli-rg/'), {
        body: JSON.stringify({ properties: { mode: 'Incremental', template } }),
      });
      expect(put.status).toBe(201);
      const defaultGroup = await rawRequest(emulator, 'GET', `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/aci-flow-test?api-version=2025-03-01`);
      expect(defaultGroup.status).toBe(404);

      const pid = await waitForPid(pidFile);
      expect(isAlive(pid)).toBe(true);

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(isAlive(pid)).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('prints the endpoint and CA path for people by default', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'aci-flow-cli-emulator-'));
    const run = runCli(['emulator', '--port', '0', '--data-dir', dataDir]);
    try {
      await waitForOutput(run, /Press Ctrl-C/);
      expect(run.output()).toMatch(/ACI emulator listening on https:\/\/127\.0\.0\.1:\d+/);
      expect(run.output()).toContain(`CA certificate: ${path.join(dataDir, 'ca.pem')}`);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('rejects an invalid fault configuration with exit code 2 and the offending field', async () => {
    const run = runCli(['emulator', '--port', '0', '--faults', '{"slowDelete":{"seconds":-1}}']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('slowDelete.seconds');
  });
});
