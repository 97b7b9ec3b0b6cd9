/** The hotfix done right: the new call is behind patched(), so runs started before it replay unchanged. */
import { patched, proxyActivities } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10 seconds' });

export async function greetingWorkflow(): Promise<string[]> {
  const greetings = [await greet('one')];
  if (patched('second-greeting')) greetings.push(await greet('two'));
  return greetings;
}
