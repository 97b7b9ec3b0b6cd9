/** The same hotfix without patched(): a run started before it hits a nondeterminism error on replay. */
import { proxyActivities } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10 seconds' });

export async function greetingWorkflow(): Promise<string[]> {
  const greetings = [await greet('one')];
  greetings.push(await greet('two'));
  return greetings;
}
