#!/usr/bin/env node
/* global fetch, Buffer */
// Re-downloads the vendored Azure contracts under test/fixtures/azure-specs from GitHub, at the
// commits test/fixtures/azure-specs/manifest.json records, and checks each file's git blob hash.
// For a machine with access to GitHub; the tests never run it (they read the vendored copies).
//
//   node scripts/refreshAzureSpecs.mjs            download every file of the manifest, verify it, write it
//   node scripts/refreshAzureSpecs.mjs --check    verify the vendored files against the manifest only (offline)
//
// To move to a newer commit: change a source's "commit", run this, and update each file's
// "gitBlob" to the hash it reports, or pass --update-hashes to write them (without it a file whose
// hash differs from the manifest is refused).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'azure-specs');
const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8'));
const checkOnly = process.argv.includes('--check');
const updateHashes = process.argv.includes('--update-hashes');

/** The hash `git hash-object` prints: it names the exact bytes, whatever the commit. */
const gitBlobHash = (bytes) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

let problems = 0;
for (const source of manifest.sources) {
  for (const file of source.files) {
    const target = join(fixtures, source.folder, file.path);
    // a file whose hash is not recorded yet (gitBlob null) was not at hand when the fixtures were made
    if (checkOnly && file.gitBlob === null) continue;
    let bytes;
    if (checkOnly) {
      bytes = readFileSync(target);
    } else {
      const url = `https://raw.githubusercontent.com/${source.repository}/${file.commit ?? source.commit}/${file.path}`;
      const response = await fetch(url);
      if (!response.ok) {
        console.error(`${url}: HTTP ${response.status}`);
        problems += 1;
        continue;
      }
      bytes = Buffer.from(await response.arrayBuffer());
    }
    const hash = gitBlobHash(bytes);
    if (file.gitBlob !== null && hash !== file.gitBlob && !updateHashes) {
      console.error(`${source.repository}@${(file.commit ?? source.commit).slice(0, 12)} ${file.path}: git blob ${hash}, the manifest says ${file.gitBlob}`);
      problems += 1;
      continue;
    }
    file.gitBlob = hash;
    if (!checkOnly) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
    console.log(`ok ${source.folder}/${file.path}`);
  }
}
if (updateHashes && !checkOnly) writeFileSync(join(fixtures, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.exit(problems === 0 ? 0 : 1);
