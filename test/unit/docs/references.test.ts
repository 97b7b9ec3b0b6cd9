/**
 * The design lives in the repository (docs/design.md): no comment or doc cites a design file
 * outside it, and every relative link of README.md and docs/*.md reaches a file that exists
 * and, with a #fragment, a heading of that file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const SCANNED = ['src', 'docs', 'test', 'bench', 'scripts', 'examples', 'deploy', 'README.md', 'Dockerfile', 'docker-compose.yml', 'eslint.config.mjs'];
const TEXT = /\.(ts|js|mjs|md|py|ya?ml|json)$|^(Dockerfile|README\.md)$/;

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).flatMap((entry) => (entry === 'node_modules' || entry === 'results' ? [] : filesUnder(join(path, entry))));
}

/** GitHub's heading anchors: lowercase, punctuation dropped, each space a hyphen. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchorOf(heading!.trim()))); // the group always takes part
}

describe('references', () => {
  const self = relative(ROOT, __filename);
  const files = SCANNED.flatMap(filesUnder).filter((path) => TEXT.test(path.split('/').pop() ?? '') && path !== self);

  it('scans the sources and docs', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/design.md', 'src/workflows/flowRun.ts']));
  });

  it('cite no design file outside the repository', () => {
    const outside = files.flatMap((path) =>
      readFileSync(join(ROOT, path), 'utf8')
        .split('\n')
        .flatMap((line, index) => (/DESIGN\.md|DESIGN §|\/work\/shared/.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(outside).toEqual([]);
  });

  it('link README.md and docs/*.md to files and headings that exist', () => {
    const markdown = files.filter((path) => path === 'README.md' || /^docs\/[^/]+\.md$/.test(path));
    const broken = markdown.flatMap((path) => {
      const text = readFileSync(join(ROOT, path), 'utf8');
      return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map(([, target]) => target!) // the group always takes part
        .filter((target) => !/^[a-z]+:/.test(target))
        .flatMap((target) => {
          const [file = '', fragment] = target.split('#');
          const linked = file ? join(dirname(path), file) : path;
          if (!existsSync(join(ROOT, linked))) return [`${path}: ${target} (no such file)`];
          if (fragment === undefined || !linked.endsWith('.md')) return [];
          return anchorsOf(readFileSync(join(ROOT, linked), 'utf8')).has(fragment) ? [] : [`${path}: ${target} (no such heading)`];
        });
    });
    expect(broken).toEqual([]);
  });
});
