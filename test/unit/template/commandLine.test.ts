import { containerCommand, splitCommand } from '../../../src/template/commandLine';

describe('splitting a command into the container argv', () => {
  it('splits on whitespace', () => {
    expect(splitCommand('python -m  etl')).toEqual(['python', '-m', 'etl']);
  });

  it('keeps a quoted argument with spaces as one argument (the Prefect worker splits it apart)', () => {
    expect(splitCommand(`python -c "print('hello world')" --name 'my flow'`)).toEqual([
      'python',
      '-c',
      "print('hello world')",
      '--name',
      'my flow',
    ]);
  });

  it('honours backslash escapes', () => {
    expect(splitCommand('echo a\\ b')).toEqual(['echo', 'a b']);
  });

  it('passes $VARIABLES and glob patterns through literally, as ACI does without a shell', () => {
    expect(splitCommand('echo $HOME *.csv')).toEqual(['echo', '$HOME', '*.csv']);
  });

  it.each([
    ['python a.py | tee out.log', '|'],
    ['make build && make test', '&&'],
    ['run; other', ';'],
    ['cat < in.txt', '<'],
    ['run > out.txt', '>'],
  ])('rejects the shell operator in %j, naming the command field', (command, operator) => {
    expect(() => splitCommand(command)).toThrow(`command: uses the shell operator "${operator}"`);
  });

  it('rejects a shell comment instead of passing it as arguments', () => {
    expect(() => splitCommand('python etl.py # nightly')).toThrow(/command: contains a shell comment/);
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
