/**
 * Every flag of `prefect worker start` and every PREFECT_WORKER_* setting of the pinned Prefect
 * version, from fixtures vendored from it (test/fixtures/prefect), is taken by `aci-flow
 * prefect-worker` (or named refused in docs/prefect.md) and has its row in docs/prefect.md's
 * "Switching from `prefect worker start`" table: a Prefect upgrade that adds one fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../../src/cli/commands/prefectWorker';
import { PREFECT_VERSION } from '../../../src/config/defaults';
import { workerSettingsFromEnv } from '../../../src/prefect/settings';

const ROOT = join(__dirname, '../../..');
const fixture = (name: string) => readFileSync(join(ROOT, 'test/fixtures/prefect', name), 'utf8');
const HELP = fixture('worker-start-help.txt');
const SETTINGS = fixture('worker-settings.txt');

/** The "Switching from `prefect worker start`" section of docs/prefect.md. */
function switchingSection(): string {
  const docs = readFileSync(join(ROOT, 'docs/prefect.md'), 'utf8');
  const start = docs.indexOf('## Switching from `prefect worker start`');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = docs.indexOf('\n## ', start + 1);
  return docs.slice(start, end < 0 ? undefined : end);
}

/** The table row of the section that names this flag or setting, if any. */
function rowNaming(section: string, name: string): string | undefined {
  const named = new RegExp(`(?<![\\w-])${name}(?![\\w-])`);
  return section.split('\n').find((line) => line.startsWith('|') && named.test(line.split('|')[1] ?? ''));
}

/** The flags in the help's option column: `--pool -p STR` gives --pool and -p. */
function helpFlags(): string[] {
  const flags = new Set<string>();
  for (const line of HELP.split('\n')) {
    const cell = line.replace(/^│\s*/, '').split(/\s{2,}/)[0] ?? '';
    if (!line.startsWith('│ -')) continue;
    for (const token of cell.split(/\s+/)) if (/^--?[a-z][a-z0-9-]*$/.test(token)) flags.add(token);
  }
  return [...flags];
}

function acceptedFlags(): Set<string> {
  const root = new Command('aci-flow');
  register(root);
  const command = root.commands.find((candidate) => candidate.name() === 'prefect-worker');
  const options = command?.options ?? [];
  return new Set(options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => flag !== undefined)));
}

const settingLines = SETTINGS.split('\n').filter((line) => /^PREFECT_WORKER_[A-Z_]+=/.test(line));

describe('the vendored fixtures', () => {
  it('come from the pinned Prefect version and hold what they should', () => {
    expect(HELP).toContain(`# prefect-version: ${PREFECT_VERSION}`);
    expect(SETTINGS).toContain(`# prefect-version: ${PREFECT_VERSION}`);
    expect(helpFlags()).toEqual(expect.arrayContaining(['--pool', '-p', '--limit', '-l', '--run-once', '--with-healthcheck', '--profile']));
    expect(settingLines.length).toBeGreaterThanOrEqual(8);
  });
});

describe('prefect worker start flags in aci-flow prefect-worker', () => {
  const section = switchingSection();
  const accepted = acceptedFlags();

  it.each(helpFlags())('%s is accepted, or docs/prefect.md says it is refused; either way its row says what aci-flow does', (flag) => {
    const row = rowNaming(section, flag);
    expect({ flag, documented: row !== undefined }).toEqual({ flag, documented: true });
    expect({ flag, acceptedOrRefused: accepted.has(flag) || /refused/i.test(row ?? '') }).toEqual({ flag, acceptedOrRefused: true });
  });
});

describe('PREFECT_WORKER_* settings', () => {
  const section = switchingSection();
  const baseline = workerSettingsFromEnv({});

  it.each(settingLines.map((line) => line.split('=') as [string, string]))('%s (Prefect default %s) is read and documented', (name, prefectDefault) => {
    expect({ name, documented: rowNaming(section, name) !== undefined }).toEqual({ name, documented: true });
    // Read: a value other than the default changes the settings or the notes logged at start.
    const other = prefectDefault === 'False' ? 'true' : /^[\d.]+$/.test(prefectDefault) ? String(Number(prefectDefault) + 7) : '127.0.0.9';
    expect({ name, read: JSON.stringify(workerSettingsFromEnv({ [name]: other })) !== JSON.stringify(baseline) }).toEqual({ name, read: true });
  });

  it("defaults as Prefect's worker does", () => {
    const defaults = Object.fromEntries(settingLines.map((line) => line.split('=') as [string, string]));
    expect(baseline).toMatchObject({
      debugMode: defaults.PREFECT_WORKER_DEBUG_MODE === 'True',
      heartbeatSeconds: Number(defaults.PREFECT_WORKER_HEARTBEAT_SECONDS),
      querySeconds: Number(defaults.PREFECT_WORKER_QUERY_SECONDS),
      prefetchSeconds: Number(defaults.PREFECT_WORKER_PREFETCH_SECONDS),
      webserverHost: defaults.PREFECT_WORKER_WEBSERVER_HOST,
      webserverPort: Number(defaults.PREFECT_WORKER_WEBSERVER_PORT),
    });
  });
});
