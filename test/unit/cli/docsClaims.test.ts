/**
 * What README.md and docs/cli.md say about the commands' options, held to the options the
 * commands really register (commander's own model of the program): which commands take
 * `--json`, and every flag a docs/cli.md heading shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../../src/cli/main';

const ROOT = join(__dirname, '..', '..', '..');
const DOCS = ['README.md', 'docs/cli.md'];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** The text with line breaks folded, so a sentence wrapped over lines matches as one. */
const prose = (path: string) => read(path).replace(/\s+/g, ' ');

const program = buildProgram();
const optionsOf = (name: string): string[] => {
  const command = program.commands.find((candidate) => candidate.name() === name);
  if (!command) throw new Error(`no command ${name}`);
  return command.options.map((option) => option.long ?? option.short ?? '');
};
const commandNames = program.commands.map((command) => command.name());
const jsonCommands = commandNames.filter((name) => optionsOf(name).includes('--json')).sort();

describe.each(DOCS)('%s on the commands', (path) => {
  it('names exactly the commands that take --json', () => {
    const claim = /takes `--help`[^;.]*; (.*?) also take `--json`/.exec(prose(path));
    expect(claim).not.toBeNull();
    const named = [...(claim?.[1] ?? '').matchAll(/`([a-z-]+)`/g)].map((match) => match[1]).sort();
    expect(named).toEqual(jsonCommands);
  });

  it('never claims that every command takes --json', () => {
    const clauses = prose(path).split(/[.;]/);
    expect(clauses.filter((clause) => /every command/i.test(clause) && clause.includes('`--json`'))).toEqual([]);
  });
});

describe('docs/cli.md command headings', () => {
  const headings = [...read('docs/cli.md').matchAll(/^### `aci-flow ([a-z-]+)([^`]*)`$/gm)].map(([, name, rest]) => ({ name: name!, rest: rest! })); // both groups always take part

  it('cover the commands', () => {
    expect(headings.length).toBeGreaterThan(5);
    for (const { name } of headings) expect(commandNames).toContain(name);
  });

  it.each(headings.map(({ name, rest }) => [name, rest]))('aci-flow %s%s shows only flags it has, and --json exactly when it has it', (name, rest) => {
    const shown: string[] = rest.match(/--[a-z-]+/g) ?? [];
    expect(shown.filter((flag) => !optionsOf(name).includes(flag))).toEqual([]);
    // A heading that lists options lists --json when the command takes it.
    if (rest.includes('[')) expect(shown.includes('--json')).toBe(optionsOf(name).includes('--json'));
  });
});
