import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefectApiSettingsFromEnv, PrefectSettingsError } from '../../../src/prefect/api/client';
import { activeProfileSettings, withActiveProfile } from '../../../src/prefect/profile';
import { workerSettingsFromEnv } from '../../../src/prefect/settings';

describe('the active Prefect profile', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'aci-flow-prefect-profile-'));
    writeFileSync(
      join(home, 'profiles.toml'),
      [
        'active = "cloud"',
        '',
        '[profiles.cloud]',
        'PREFECT_API_URL = "https://api.prefect.cloud/api/accounts/a/workspaces/w"',
        'PREFECT_API_KEY = "pnu_from_profile"',
        'PREFECT_WORKER_QUERY_SECONDS = 5',
        '',
        '[profiles.local]',
        'PREFECT_API_URL = "http://127.0.0.1:4200/api"',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('gives PREFECT_API_URL and PREFECT_API_KEY as `prefect cloud login` wrote them, the environment winning', () => {
    const settings = prefectApiSettingsFromEnv(withActiveProfile({ PREFECT_HOME: home }));
    expect(settings).toEqual({ apiUrl: 'https://api.prefect.cloud/api/accounts/a/workspaces/w', apiKey: 'pnu_from_profile', authString: undefined });
    expect(prefectApiSettingsFromEnv(withActiveProfile({ PREFECT_HOME: home, PREFECT_API_KEY: 'pnu_env' })).apiKey).toBe('pnu_env');
    expect(workerSettingsFromEnv(withActiveProfile({ PREFECT_HOME: home })).querySeconds).toBe(5);
  });

  it('follows PREFECT_PROFILE and PREFECT_PROFILES_PATH', () => {
    expect(activeProfileSettings({ PREFECT_HOME: home, PREFECT_PROFILE: 'local' })).toEqual({ PREFECT_API_URL: 'http://127.0.0.1:4200/api' });
    expect(activeProfileSettings({ PREFECT_PROFILES_PATH: join(home, 'profiles.toml'), PREFECT_HOME: '/nowhere' })).toMatchObject({
      PREFECT_API_KEY: 'pnu_from_profile',
    });
  });

  it('names PREFECT_PROFILE when it names a profile that is not there, and the file when it is not TOML', () => {
    expect(() => activeProfileSettings({ PREFECT_HOME: home, PREFECT_PROFILE: 'typo' })).toThrow(/PREFECT_PROFILE names profile "typo"/);
    writeFileSync(join(home, 'profiles.toml'), 'active = [unterminated');
    expect(() => activeProfileSettings({ PREFECT_HOME: home })).toThrow(PrefectSettingsError);
  });

  it('is empty without a profiles file', () => {
    expect(activeProfileSettings({ PREFECT_HOME: join(home, 'absent') })).toEqual({});
  });
});

describe('PREFECT_WORKER_* settings', () => {
  it("has Prefect's defaults", () => {
    expect(workerSettingsFromEnv({})).toEqual({
      heartbeatSeconds: 30,
      querySeconds: 10,
      prefetchSeconds: 10,
      webserverHost: '0.0.0.0',
      webserverPort: 8080,
      debugMode: false,
      notes: [],
    });
  });

  it('reads every setting and names a bad one', () => {
    const settings = workerSettingsFromEnv({
      PREFECT_WORKER_HEARTBEAT_SECONDS: '15',
      PREFECT_WORKER_QUERY_SECONDS: '2.5',
      PREFECT_WORKER_PREFETCH_SECONDS: '0',
      PREFECT_WORKER_WEBSERVER_HOST: '127.0.0.1',
      PREFECT_WORKER_WEBSERVER_PORT: '9090',
      PREFECT_WORKER_DEBUG_MODE: 'true',
    });
    expect(settings).toMatchObject({
      heartbeatSeconds: 15,
      querySeconds: 2.5,
      prefetchSeconds: 0,
      webserverHost: '127.0.0.1',
      webserverPort: 9090,
      debugMode: true,
    });
    expect(() => workerSettingsFromEnv({ PREFECT_WORKER_QUERY_SECONDS: 'soon' })).toThrow(/PREFECT_WORKER_QUERY_SECONDS is "soon"/);
    expect(() => workerSettingsFromEnv({ PREFECT_WORKER_WEBSERVER_PORT: '70000' })).toThrow(/PREFECT_WORKER_WEBSERVER_PORT/);
  });

  it('says what it does instead of the settings it has no counterpart for', () => {
    const { notes } = workerSettingsFromEnv({ PREFECT_WORKER_ENABLE_CANCELLATION: 'true', PREFECT_WORKER_CANCELLATION_POLL_SECONDS: '120' });
    expect(notes).toEqual([
      expect.stringContaining('PREFECT_WORKER_ENABLE_CANCELLATION'),
      expect.stringContaining('PREFECT_WORKER_CANCELLATION_POLL_SECONDS=120'),
    ]);
  });
});
