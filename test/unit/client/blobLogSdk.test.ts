import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { asMissingBlobSdk, BLOB_LOG_PEER_DEPENDENCIES } from '../../../src/client/blobLogSdk';

/**
 * The error Node throws when `name` is not installed: required by a Node process in a
 * directory with no node_modules above it (jest's own resolver throws a different error).
 */
function notInstalledError(name: string): Error {
  const script = `try { require(${JSON.stringify(name)}); } catch (err) { process.stdout.write(JSON.stringify({ code: err.code, message: err.message })); }`;
  const { NODE_PATH: _ignored, ...env } = process.env;
  const output = execFileSync(process.execPath, ['-e', script], { cwd: tmpdir(), env, encoding: 'utf8' });
  if (!output) throw new Error(`${name} resolves from ${tmpdir()}; pick a directory without node_modules above it`);
  const { code, message } = JSON.parse(output) as { code: string; message: string };
  return Object.assign(new Error(message), { code });
}

describe('asMissingBlobSdk', () => {
  it.each(BLOB_LOG_PEER_DEPENDENCIES)("turns Node's error for a missing %s into what to install", (name) => {
    const missing = notInstalledError(name);
    const mapped = asMissingBlobSdk(missing) as Error;
    expect(mapped.message).toContain(`needs ${name}, an optional peer dependency that is not installed`);
    expect(mapped.message).toContain('npm install @azure/storage-blob @azure/identity');
    expect(mapped.cause).toBe(missing);
  });

  it('passes any other error through unchanged', () => {
    const otherPackage = notInstalledError('left-pad-that-is-not-installed');
    const otherFailure = Object.assign(new Error("AuthorizationFailure in '@azure/storage-blob'"), { code: 'EACCES' });
    expect(asMissingBlobSdk(otherPackage)).toBe(otherPackage);
    expect(asMissingBlobSdk(otherFailure)).toBe(otherFailure);
  });
});
