import { ConfigError } from '../../../src/config/errors';
import { containerCommand, splitCommand } from '../../../src/template/commandLine';

// Literal expectations are what Python's shlex.split returns (the Prefect worker's splitter);
// test/integration/python/shlexParity.test.ts checks many more against the interpreter itself.
describe('splitting a command into the container argv', () => {
  it('splits on whitespace', () => {
    expect(splitCommand('python -m  etl\t--fast\n')).toEqual(['python', '-m', 'etl', '--fast']);
  });

  it('keeps a quoted argument with spaces as one argument', () => {
    expect(splitCommand(`python -c "print('hello world')" --name 'my flow'`)).toEqual(['python', '-c', "print('hello world')", '--name', 'my flow']);
  });

  it('honours backslash escapes outside quotes, and inside double quotes only before " and \\', () => {
    expect(splitCommand('echo a\\ b')).toEqual(['echo', 'a b']);
    expect(splitCommand('echo "a\\"b" "c\\\\d" "e\\$f" \'g\\h\'')).toEqual(['echo', 'a"b', 'c\\d', 'e\\$f', 'g\\h']);
  });

  it('keeps empty quoted strings as arguments', () => {
    expect(splitCommand(`run '' ""`)).toEqual(['run', '', '']);
  });

  it('expands nothing: variables, defaults, lengths and globs reach the container as written', () => {
    expect(splitCommand('echo $HOME ${#VAR} ${VAR:-x} *.csv')).toEqual(['echo', '$HOME', '${#VAR}', '${VAR:-x}', '*.csv']);
    expect(splitCommand('sh -c "echo ${VAR:-default} && ls"')).toEqual(['sh', '-c', 'echo ${VAR:-default} && ls']);
  });

  it('passes shell operators and "#" as ordinary arguments, as the Prefect worker does', () => {
    expect(splitCommand('python a.py | tee out.log # nightly')).toEqual(['python', 'a.py', '|', 'tee', 'out.log', '#', 'nightly']);
  });

  it.each(['echo "unbalanced', "echo it's", 'echo trailing\\'])('rejects %j with an error naming the command field', (command) => {
    expect(() => splitCommand(command)).toThrow(ConfigError);
    expect(() => splitCommand(command)).toThrow(/^command: (has no closing ['"] quote|ends with a lone backslash)/);
  });
});

describe('the container command', () => {
  it('prepends the entrypoint to the command', () => {
    expect(containerCommand('prefect flow-run execute', '/opt/prefect/entrypoint.sh')).toEqual([
      '/opt/prefect/entrypoint.sh',
      'prefect',
      'flow-run',
      'execute',
    ]);
  });

  it('uses a command given as a list as the argv unchanged', () => {
    expect(containerCommand(['python', '-c', 'print(1); print(2)'], null)).toEqual(['python', '-c', 'print(1); print(2)']);
  });

  it('is just the entrypoint when there is no command, and empty with neither', () => {
    expect(containerCommand(null, '/entry.sh')).toEqual(['/entry.sh']);
    expect(containerCommand(undefined, null)).toEqual([]);
  });
});
