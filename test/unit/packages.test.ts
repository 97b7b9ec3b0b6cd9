/**
 * The two publishable packages' manifests agree: aci-flow depends on the client package at
 * its version, both pin the shared dependencies to the same versions (one copy installed, the
 * worker and the client on the same Temporal SDK), and both carry what a registry needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type: string; url: string; directory?: string };
  engines?: Record<string, string>;
  files?: string[];
  workspaces?: string[];
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const root = join(__dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Manifest;
const aciFlow = read('package.json');
const client = read('packages/client/package.json');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };

describe('the package manifests', () => {
  it('make the client package a workspace that aci-flow depends on at its exact version', () => {
    expect(aciFlow.workspaces).toEqual(['packages/client']);
    expect(aciFlow.dependencies[client.name]).toBe(client.version);
  });

  it('pin every dependency the two share to one version', () => {
    const shared = Object.keys(client.dependencies).map((name) => ({ name, client: client.dependencies[name], aciFlow: aciFlow.dependencies[name] }));
    expect(shared.filter((dep) => dep.client !== dep.aciFlow)).toEqual([]);
    // The optional peers: the client's range admits the version aci-flow installs, and its dev copy is that version.
    for (const [name, range] of Object.entries(client.peerDependencies ?? {})) {
      expect({ name, range }).toEqual({ name, range: `^${aciFlow.dependencies[name]}` });
      expect(client.devDependencies?.[name]).toBe(aciFlow.dependencies[name]);
    }
  });

  it.each([aciFlow, client])('publish $name with files, license, repository and engines, and not as private', (manifest) => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.files?.length).toBeGreaterThan(0);
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toEqual(expect.objectContaining({ type: 'git', url: aciFlow.repository?.url }));
    expect(manifest.engines).toEqual(aciFlow.engines);
  });

  it('review every install script the lockfile installs in allowScripts, so `npm install` warns about none', () => {
    const withScripts = new Set(
      Object.entries(lock.packages)
        .filter(([, entry]) => entry.hasInstallScript)
        .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    const reviewed = new Set(Object.keys(aciFlow.allowScripts ?? {}));
    expect([...withScripts].filter((name) => !reviewed.has(name))).toEqual([]);
    // And no entry outlives its package (what `npm install-scripts prune` would remove).
    expect([...reviewed].filter((name) => !withScripts.has(name))).toEqual([]);
  });
});
