import { getEventListeners } from 'node:events';
import { sleep } from '../../../src/common/clock';
import { FakeClock } from '../../helpers/fakeClock';

describe('the one abortable sleep', () => {
  it('removes its abort listener whether the sleep ends or is aborted', async () => {
    const endedSignal = AbortSignal.any([new AbortController().signal]);
    await sleep(1, endedSignal);
    expect(getEventListeners(endedSignal, 'abort')).toHaveLength(0);

    const controller = new AbortController();
    const abortedSignal = AbortSignal.any([controller.signal]);
    const sleeping = sleep(60_000, abortedSignal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(getEventListeners(abortedSignal, 'abort')).toHaveLength(0);
  });

  it('rejects at once on a signal that has already aborted', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('ends when its clock passes the time, not before', async () => {
    const clock = new FakeClock(1_000);
    let ended = false;
    const sleeping = sleep(500, undefined, clock).then(() => (ended = true));
    await clock.advance(499);
    expect(ended).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(clock.now()).toBe(1_500);
  });
});
