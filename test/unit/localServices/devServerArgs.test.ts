import { devServerArgs } from '../../../src/localServices';
import { ALL_SEARCH_ATTRIBUTES } from '../../../src/workflows/definitions';

describe('dev server arguments', () => {
  it('binds gRPC and UI to loopback on the chosen ports, in memory', () => {
    const args = devServerArgs(7300, { uiPort: 8300 }).join(' ');
    expect(args).toMatch(/^server start-dev --ip 127\.0\.0\.1 --port 7300 --ui-port 8300 /);
    expect(args).not.toContain('--headless');
    expect(args).not.toContain('--db-filename');
  });

  it('without a UI port it is headless; with a database file it keeps its state there', () => {
    const args = devServerArgs(7300, { dbFile: '/tmp/state/temporal.db' }).join(' ');
    expect(args).toMatch(/^server start-dev --ip 127\.0\.0\.1 --port 7300 --headless --db-filename \/tmp\/state\/temporal\.db /);
    expect(args).not.toContain('--ui-port');
  });

  it('registers every aci-flow search attribute by default, the exit code as Int', () => {
    const args = devServerArgs(7300);
    const registered = args.filter((_, i) => args[i - 1] === '--search-attribute');
    expect(registered).toHaveLength(ALL_SEARCH_ATTRIBUTES.length);
    expect(registered).toEqual(expect.arrayContaining(['FlowRunId=Keyword', 'ContainerGroup=Keyword', 'Phase=Keyword', 'ExitCode=Int']));
  });

  it('registers only the search attributes it is given', () => {
    const args = devServerArgs(7300, { searchAttributes: ALL_SEARCH_ATTRIBUTES.slice(0, 1) });
    expect(args.filter((_, i) => args[i - 1] === '--search-attribute')).toEqual([`${ALL_SEARCH_ATTRIBUTES[0]?.name}=Keyword`]);
  });
});
