/**
 * The bridge's exit hints, over a fake Prefect API and a fake Temporal client: watched runs
 * whose Prefect state is final get the `exited` signal once, in one batched read per cycle.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { BridgeContext } from '../../../src/prefect/context';
import { ExitHintRelay } from '../../../src/prefect/exitHints';
import { FINAL_STATE_TYPES } from '../../../src/prefect/states';
import type { RunWatcher } from '../../../src/prefect/watcher';
import { workflowIdForFlowRun } from '../../../src/workflows/definitions';

interface FilterBody {
  flow_runs: { id: { any_: string[] }; state: { type: { any_: string[] } } };
  work_pools: { name: { any_: string[] } };
}

function setup(states: Record<string, string>, closed: string[] = []) {
  const reads: FilterBody[] = [];
  const signals: Array<{ workflowId: string; name: string; args: unknown[] }> = [];
  const logs: string[] = [];
  const api = {
    POST: async (path: string, { body }: { body: FilterBody }) => {
      expect(path).toBe('/flow_runs/filter');
      reads.push(body);
      const data = body.flow_runs.id.any_
        .filter((id) => body.flow_runs.state.type.any_.includes(states[id] ?? ''))
        .map((id) => ({ id, state_type: states[id] }));
      return { data, response: new Response(null, { status: 200 }) };
    },
  };
  const temporal = {
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (definition: { name: string }, ...args: unknown[]) => {
          if (closed.some((id) => workflowIdForFlowRun(id) === workflowId)) throw new WorkflowNotFoundError('closed', workflowId, undefined);
          signals.push({ workflowId, name: definition.name, args });
        },
      }),
    },
  };
  const ctx = { api, temporal, workPool: 'pool', log: (line: string) => logs.push(line) } as unknown as BridgeContext;
  const watched = new Set(Object.keys(states));
  const watcher = { flowRunIds: () => [...watched] } as unknown as RunWatcher;
  return { relay: new ExitHintRelay(ctx, watcher), reads, signals, watched, logs };
}

describe('the bridge’s exit hints', () => {
  it('signals `exited` (source prefect) once to each watched run whose flow run is final in Prefect, reading their states in one request', async () => {
    const { relay, reads, signals } = setup({ a: 'RUNNING', b: 'COMPLETED', c: 'FAILED', d: 'CRASHED' });
    await relay.poll();
    expect(reads).toHaveLength(1);
    expect(reads[0]?.flow_runs.id.any_.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(reads[0]?.flow_runs.state.type.any_).toEqual([...FINAL_STATE_TYPES]);
    expect(reads[0]?.work_pools.name.any_).toEqual(['pool']);
    expect(signals.map((signal) => signal.workflowId).sort()).toEqual(['b', 'c', 'd'].map(workflowIdForFlowRun));
    expect(signals.every((signal) => signal.name === 'exited' && JSON.stringify(signal.args) === JSON.stringify([{ source: 'prefect' }]))).toBe(true);
    // Next cycle: only the run not hinted yet is read, and nothing is signalled twice.
    await relay.poll();
    expect(reads[1]?.flow_runs.id.any_).toEqual(['a']);
    expect(signals).toHaveLength(3);
  });

  it('reads nothing when every watched run was hinted, and takes a closed workflow as done', async () => {
    const { relay, reads, signals } = setup({ b: 'COMPLETED' }, ['b']);
    await relay.poll();
    expect(signals).toEqual([]);
    await relay.poll();
    expect(reads).toHaveLength(1);
  });

  it('reads a large pool of watched runs in pages of 200 ids', async () => {
    const states = Object.fromEntries(Array.from({ length: 450 }, (_, index) => [`run-${index}`, index % 2 ? 'RUNNING' : 'COMPLETED']));
    const { relay, reads, signals } = setup(states);
    await relay.poll();
    expect(reads.map((read) => read.flow_runs.id.any_.length)).toEqual([200, 200, 50]);
    expect(signals).toHaveLength(225);
  });
});
