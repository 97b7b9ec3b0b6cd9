import { proxyActivities, setHandler, condition, defineSignal } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({
  startToCloseTimeout: '10 seconds',
});

export const proceed = defineSignal('proceed');

/** The smallest workflow that exercises activities, signals and timers on the dev server. */
export async function smokeWorkflow(name: string): Promise<string> {
  let proceeded = false;
  setHandler(proceed, () => {
    proceeded = true;
  });
  await condition(() => proceeded, '30 seconds');
  return greet(name);
}
