/**
 * Commands split exactly as the Prefect ACI worker splits them: every expectation here is
 * what Python's own `shlex.split` returns, computed by the interpreter in one call.
 *
 * @needsTestTools — the Python of tools/venv
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError } from '../../../src/config/errors';
import { splitCommand } from '../../../src/template/commandLine';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The interpreter scripts/setup.mjs provisions (as the fidelity test uses), waiting for an install under way. */
const PYTHON = execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'setup.mjs'), '--print-python-path'], { encoding: 'utf8' }).trim();

const TABLE: string[] = [
  'python -m etl',
  'python  -m\tetl',
  `python -c "print('hello world')" --name 'my flow'`,
  'echo a\\ b',
  'echo $HOME *.csv',
  'echo ${#VAR}',
  'echo ${VAR:-default}',
  'sh -c "echo ${VAR} ${#VAR} ${VAR:-x}"',
  'sh -c "echo $HOME && ls"',
  "sh -c 'cd /app && python -m etl | tee out.log'",
  'python a.py | tee out.log',
  'make build && make test; echo done',
  'python etl.py # nightly',
  'echo #not-a-comment',
  `echo '' "" x`,
  `echo "a\\"b" 'c\\d'`,
  'echo "a\\\\b" "a\\b" "\\$x" "\\`"',
  `echo 'it'"'"'s'`,
  'café --naïve 日本語 😀',
  'a\nb\tc\rd',
  'echo "line1\nline2"',
  'echo a\\\nb',
  'echo "a\\\nb"',
  "echo $'a\\nb'",
  'echo $"x y"',
  '\\\\\\""a"',
  '  leading and trailing  ',
  '',
  'x\u000by\fz',
  "echo \\'quoted\\'",
  `cmd --opt="a b" --other='c d'`,
  'echo "$(whoami)" `date`',
  'echo "unbalanced',
  "echo 'unbalanced",
  'echo trailing\\',
];

/** Deterministic pseudo-random commands over the characters the splitter treats specially. */
function fuzzCommands(count: number): string[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const alphabet = ['a', 'b', ' ', ' ', '"', "'", '\\', '$', '{', '}', '#', '\n', '\t', 'é', '|', '`'];
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 14) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

type PythonResult = string[] | { error: string };

function pythonSplit(commands: string[]): PythonResult[] {
  const script = [
    'import json, shlex, sys',
    'out = []',
    'for command in json.load(sys.stdin):',
    '    try: out.append(shlex.split(command))',
    '    except ValueError as e: out.append({"error": str(e)})',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(commands), encoding: 'utf8' })) as PythonResult[];
}

function ours(command: string): PythonResult {
  try {
    return splitCommand(command);
  } catch (err) {
    if (err instanceof ConfigError) return { error: err.message };
    throw err;
  }
}

describe("command splitting against Python's shlex.split", () => {
  const fuzz = fuzzCommands(3000);
  let expected: PythonResult[];

  beforeAll(() => {
    expected = pythonSplit([...TABLE, ...fuzz]);
  });

  it.each(TABLE.map((command, index) => [command, index] as const))('splits %j as Python does', (command, index) => {
    const python = expected[index];
    if (Array.isArray(python)) expect(ours(command)).toEqual(python);
    else expect(ours(command)).toEqual({ error: expect.stringMatching(/^command: (has no closing|ends with a lone backslash)/) });
  });

  it('agrees with Python on thousands of generated commands full of quotes, backslashes and $', () => {
    const disagreements = fuzz
      .map((command, index) => ({ command, python: expected[TABLE.length + index], ours: ours(command) }))
      .filter(({ python, ours: mine }) => (Array.isArray(python) ? JSON.stringify(python) !== JSON.stringify(mine) : Array.isArray(mine)));
    expect(disagreements.slice(0, 5)).toEqual([]);
    // Both outcomes were exercised.
    expect(expected.slice(TABLE.length).filter(Array.isArray).length).toBeGreaterThan(300);
    expect(expected.slice(TABLE.length).filter((result) => !Array.isArray(result)).length).toBeGreaterThan(300);
  });
});
