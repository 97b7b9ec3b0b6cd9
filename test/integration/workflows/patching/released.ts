/** A released workflow: one activity call. */
import { proxyActivities } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10 seconds' });

export async function greetingWorkflow(): Promise<string[]> {
  return [await greet('one')];
}
