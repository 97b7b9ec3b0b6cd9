import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../src/localServices';
import { blobLogSettingsFromEnv } from '../../src/logs/blobLogs';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/workflows/definitions';
import { first, must, nth } from '../helpers/must';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: Array<string | number | { target: number; published?: string | number; host_ip?: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  profiles?: string[];
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const service = (name: string): Service => must(services[name], `service ${name} in docker-compose.yml`);

describe('docker-compose.yml', () => {
  it('defines PostgreSQL, the schema setup, the Temporal server, namespace and search-attribute registration, the UI, the worker, Azurite and the Prefect bridge', () => {
    expect(Object.keys(services).sort()).toEqual([
      'aci-flow-prefect-worker',
      'aci-flow-worker',
      'azurite',
      'postgresql',
      'temporal',
      'temporal-admin-tools',
      'temporal-schema',
      'temporal-ui',
    ]);
  });

  it('runs the Prefect bridge under the prefect profile: the worker image, --pool from ACI_FLOW_POOL, the health endpoint, the same log sink', () => {
    const bridge = service('aci-flow-prefect-worker');
    expect(bridge.profiles).toEqual(['prefect']);
    expect(bridge.image).toBe(service('aci-flow-worker').image);
    expect(bridge.command).toEqual([
      'node',
      'bin/aci-flow.js',
      'prefect-worker',
      '--pool',
      expect.stringMatching(/^\$\{ACI_FLOW_POOL[:?}]/),
      '--no-worker',
      '--with-healthcheck',
    ]);
    expect(bridge.environment?.TEMPORAL_ADDRESS).toBe(service('aci-flow-worker').environment?.TEMPORAL_ADDRESS);
    expect(bridge.environment?.PREFECT_API_URL).toMatch(/^\$\{PREFECT_API_URL:\?/);
    for (const name of ['ACI_FLOW_LOG_BLOB_URL', 'ACI_FLOW_LOG_BLOB_CONNECTION_STRING', 'ACI_FLOW_LOG_BLOB_CONTAINER']) {
      expect(bridge.environment?.[name]).toBe(service('aci-flow-worker').environment?.[name]);
    }
    expect([bridge.healthcheck?.test].flat().join(' ')).toContain('http://127.0.0.1:8080/health');
    // One API key: the separate aci-flow worker resolves the containers' secretref:PREFECT_API_KEY from the same variable.
    expect(service('aci-flow-worker').environment?.ACI_FLOW_SECRET_PREFECT_API_KEY).toBe('${PREFECT_API_KEY:-}');
    expect(bridge.environment?.PREFECT_API_KEY).toBe('${PREFECT_API_KEY:-}');
  });

  it('pins every image to a version, never latest', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      const tag = service.image.split(':')[1];
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^\d+(\.\d+)+/) });
    }
  });

  it('runs Temporal on the PostgreSQL service with the postgres12 driver', () => {
    const env = service('temporal').environment ?? {};
    // The server image, not the deprecated auto-setup one: the schema is set up apart, as Temporal documents for production.
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('postgresql');
    expect(env.DB_PORT).toBe('5432');
  });

  it('mounts a dynamic config file that exists in deploy/', () => {
    const env = service('temporal').environment ?? {};
    const mount = (service('temporal').volumes ?? []).find((v) => v.includes('/etc/temporal/config/dynamicconfig'));
    const hostDir = first(must(mount, 'a dynamicconfig volume').split(':'));
    const file = must(env.DYNAMIC_CONFIG_FILE_PATH, 'DYNAMIC_CONFIG_FILE_PATH').replace(/^config\/dynamicconfig\//, '');
    expect(existsSync(join(root, hostDir, file))).toBe(true);
  });

  it("builds the worker from ./Dockerfile and runs the image's entry point with the pool from ACI_FLOW_POOL", () => {
    const worker = service('aci-flow-worker');
    expect(worker.build).toEqual({ context: '.', dockerfile: './Dockerfile' });
    expect(worker.command).toBeUndefined();
    expect(worker.entrypoint).toBeUndefined();
    expect(worker.environment?.ACI_FLOW_POOL).toMatch(/^\$\{ACI_FLOW_POOL:\?/);
  });

  it('mounts the pool file the worker renders every run from and names it in ACI_FLOW_POOL_CONFIG', () => {
    const worker = service('aci-flow-worker');
    const path = worker.environment?.ACI_FLOW_POOL_CONFIG;
    expect(path).toBe('/etc/aci-flow/pool.yaml');
    const mount = (worker.volumes ?? []).find((volume) => String(volume).includes(`:${path}`));
    expect(mount).toMatch(/^\$\{ACI_FLOW_POOL_FILE:-\.\/examples\/pool\.yaml\}:\/etc\/aci-flow\/pool\.yaml:ro$/);
    expect(existsSync(join(root, 'examples/pool.yaml'))).toBe(true);
  });

  it('publishes every port on loopback only, so nothing is reachable from the network by default', () => {
    const published = Object.entries(services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port, hostIp: hostIpOf(port) })));
    expect(published.length).toBeGreaterThan(0);
    for (const entry of published) expect({ ...entry, loopback: ['127.0.0.1', '::1'].includes(entry.hostIp) }).toEqual({ ...entry, loopback: true });
  });

  it('points the worker and the UI at the temporal service on its gRPC port', () => {
    const temporalPort = (service('temporal').ports ?? []).map((p) => String(p).split(':').pop())[0];
    expect(temporalPort).toBe('7233');
    for (const name of ['aci-flow-worker', 'temporal-ui', 'temporal-admin-tools']) {
      expect(service(name).environment?.TEMPORAL_ADDRESS).toBe(`temporal:${temporalPort}`);
    }
  });

  it('gives the worker Azure credentials for DefaultAzureCredential from the environment', () => {
    const worker = service('aci-flow-worker');
    for (const name of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) {
      expect(worker.environment?.[name]).toMatch(new RegExp(`^\\$\\{${name}[:?}-]`));
    }
  });

  it('keeps run logs in the Azurite service, persisted in a volume, unless a storage account is configured', () => {
    const azurite = service('azurite');
    expect(azurite.image).toMatch(/^mcr\.microsoft\.com\/azure-storage\/azurite:/);
    const command = [azurite.command].flat().join(' ');
    expect(command).toMatch(/^azurite-blob .*--blobHost 0\.0\.0\.0 --blobPort 10000 --location \/data/);
    expect(azurite.volumes).toContain('azurite-data:/data');
    expect(compose.volumes).toHaveProperty('azurite-data');
    expect(azurite.ports).toEqual(['127.0.0.1:10000:10000']);

    const worker = service('aci-flow-worker');
    expect(worker.depends_on).toHaveProperty('azurite');
    // The values the worker sees when nothing overrides them: ${VAR-default} and ${VAR:-default} resolved.
    const defaults = Object.fromEntries(
      Object.entries(worker.environment ?? {}).map(([key, value]) => [key, String(value).replace(/^\$\{[A-Z_]+:?-(.*)\}$/s, '$1')]),
    );
    expect(blobLogSettingsFromEnv(defaults)).toEqual({
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=http://azurite:10000/${AZURITE_ACCOUNT};`,
      container: 'aci-flow-logs',
    });
    // A storage account instead: the URL set, the connection string emptied.
    expect(
      blobLogSettingsFromEnv({ ...defaults, ACI_FLOW_LOG_BLOB_URL: 'https://acct.blob.core.windows.net', ACI_FLOW_LOG_BLOB_CONNECTION_STRING: '' }),
    ).toEqual({
      accountUrl: 'https://acct.blob.core.windows.net',
      container: 'aci-flow-logs',
    });
  });

  it('registers every search attribute of the flow-run workflow with its type', () => {
    const registration = [service('temporal-admin-tools').command].flat().join(' ');
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      const type = key.type === 'INT' ? 'Int' : 'Keyword';
      expect(registration).toContain(`${key.name}=${type}`);
    }
    expect(registration).toContain('temporal operator search-attribute create');
  });

  it('has a depends_on graph that names only defined services and has no cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      expect(Object.keys(services)).toContain(name);
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      visiting.add(name);
      for (const dependency of Object.keys(service(name).depends_on ?? {})) visit(dependency, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('sets up both databases with temporal-sql-tool before the server starts: create, setup-schema, update-schema to the versioned PostgreSQL schema', () => {
    const schema = service('temporal-schema');
    expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
    // The admin tools and the server are the same Temporal version, so the schema matches the server.
    expect(schema.image?.split(':')[1]?.split('-')[0]).toBe(service('temporal').image?.split(':')[1]);
    expect(schema.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(schema.environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql', SQL_PORT: '5432' });
    const script = [schema.command].flat().join(' ');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d "/etc/temporal/schema/postgresql/v12/$$dir/versioned"']) {
      expect(script).toContain(`temporal-sql-tool --db "$$name" ${step}`);
    }
    expect(script).toContain('temporal:temporal temporal_visibility:visibility');
    expect(service('temporal').depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
  });

  it('starts the worker only after the namespace and search attributes exist (the server answers) and Azurite is up', () => {
    expect(service('aci-flow-worker').depends_on).toEqual({
      'temporal-admin-tools': { condition: 'service_completed_successfully' },
      azurite: { condition: 'service_started' },
    });
    const registration = [service('temporal-admin-tools').command].flat().join(' ');
    expect(registration).toContain('until temporal operator cluster health | grep -q SERVING');
    expect(registration).toContain('temporal operator namespace create "$$TEMPORAL_NAMESPACE"');
    expect(service('postgresql').healthcheck).toBeDefined();
  });

  it('holds no secret values, only ${VAR} references', () => {
    const secretish = /PASSWORD|PWD|SECRET|TOKEN|API_KEY/;
    const offenders = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.environment ?? {})
        .filter(([key, value]) => secretish.test(key) && !/^\$\{[A-Z_]+(:?[-?][^}]*)?\}$/.test(String(value)))
        .map(([key]) => `${name}.${key}`),
    );
    expect(offenders).toEqual([]);
  });
});

/**
 * The host address a compose port entry binds to, '' for every interface. Short syntax is
 * `[HOST:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]`, HOST possibly a bracketed IPv6 address; a bare
 * number or `CONTAINER_PORT` alone publishes on every interface.
 */
function hostIpOf(port: string | number | { host_ip?: string; published?: string | number }): string {
  if (typeof port === 'number') return '';
  if (typeof port === 'object') return port.published === undefined ? '' : (port.host_ip ?? '');
  const spec = port.replace(/\/\w+$/, '');
  const bracketed = /^\[([^\]]+)\]:/.exec(spec);
  if (bracketed) return nth(bracketed, 1);
  const parts = spec.split(':');
  return parts.length === 3 ? first(parts) : '';
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('is a multi-stage build on a pinned Node 20 image', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:20\.\d+\.\d+-\S+ AS \w+$/);
  });

  it('installs with npm ci, builds dist/ with scripts/build.mjs and prunes dev dependencies', () => {
    const runs = instructions.filter((line) => line.startsWith('RUN ')).join('\n');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('node scripts/build.mjs');
    expect(runs).toContain('npm prune --omit=dev');
  });

  it('ships compiled JavaScript: the runtime stage holds dist/, production node_modules, bin/ and the compiled client package, and no sources', () => {
    const runtimeStart = instructions.findIndex((line) => /^FROM .* AS runtime$/.test(line));
    expect(runtimeStart).toBeGreaterThan(0);
    const copied = instructions
      .slice(runtimeStart)
      .filter((line) => line.startsWith('COPY '))
      .map((line) => first(line.split(/\s+/).slice(-2)).replace(/^\/app\//, ''));
    expect(copied.sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json', 'packages']);
    const tsconfigBuild = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string } };
    expect(tsconfigBuild.compilerOptions.outDir).toBe('dist');
  });

  it('copies only files that exist in the repository and are not excluded by .dockerignore', () => {
    const sources = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from=')).flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
      expect(ignored).not.toContain(source.split('/')[0]);
    }
  });

  it("runs the worker's entry point, src/worker.ts compiled, as a non-root user", () => {
    const user = instructions.filter((line) => line.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/root|\b0\b/);
    expect(instructions.some((line) => line.startsWith('ENTRYPOINT '))).toBe(false);
    const cmd = JSON.parse(instructions.find((line) => line.startsWith('CMD '))!.slice('CMD '.length)) as string[];
    expect(cmd).toEqual(['node', 'dist/worker.js']);
    expect(existsSync(join(root, 'src', 'worker.ts'))).toBe(true);
    // The CLI the Prefect bridge service runs is in the image too.
    expect(existsSync(join(root, 'bin', 'aci-flow.js'))).toBe(true);
  });
});
