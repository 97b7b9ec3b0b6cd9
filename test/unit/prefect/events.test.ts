import { eventId, EXECUTED_EVENT, relatedResources, slugify, SUBMITTED_EVENT, workerResource } from '../../../src/prefect/events';

describe("prefect.worker.* events, shaped as Prefect's BaseWorker emits them", () => {
  it('names the worker prefect.worker.<type>.<slug of its name>', () => {
    expect(workerResource('My Worker_1')).toEqual({
      'prefect.resource.id': 'prefect.worker.azure-container-instance.my-worker-1',
      'prefect.resource.name': 'My Worker_1',
      'prefect.worker-type': 'azure-container-instance',
    });
    expect(slugify('aci-flow-host.example-42')).toBe('aci-flow-host-example-42');
  });

  it('relates the flow run (with infrastructure id and status code when executed), deployment, flow, tags and work pool', () => {
    const related = relatedResources(
      {
        flowRun: { id: 'fr', name: 'tan-lobster', tags: ['b'] },
        deployment: { id: 'd', name: 'dep', tags: ['a', 'b'] },
        flow: { id: 'f', name: 'flow' },
        workPool: { id: 'wp', name: 'pool' },
      },
      { identifier: 'group-1', statusCode: 3 },
    );
    expect(related).toEqual([
      {
        'prefect.resource.id': 'prefect.flow-run.fr',
        'prefect.resource.role': 'flow-run',
        'prefect.resource.name': 'tan-lobster',
        'prefect.infrastructure.identifier': 'group-1',
        'prefect.infrastructure.status-code': '3',
      },
      { 'prefect.resource.id': 'prefect.deployment.d', 'prefect.resource.role': 'deployment', 'prefect.resource.name': 'dep' },
      { 'prefect.resource.id': 'prefect.flow.f', 'prefect.resource.role': 'flow', 'prefect.resource.name': 'flow' },
      { 'prefect.resource.id': 'prefect.tag.a', 'prefect.resource.role': 'tag' },
      { 'prefect.resource.id': 'prefect.tag.b', 'prefect.resource.role': 'tag' },
      { 'prefect.resource.id': 'prefect.work-pool.wp', 'prefect.resource.role': 'work-pool', 'prefect.resource.name': 'pool' },
    ]);
  });

  it('derives event ids from the flow run, so a resent event is the same event', () => {
    const submitted = eventId('fr', SUBMITTED_EVENT);
    expect(submitted).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventId('fr', SUBMITTED_EVENT)).toBe(submitted);
    expect(eventId('fr', EXECUTED_EVENT)).not.toBe(submitted);
    expect(eventId('other', SUBMITTED_EVENT)).not.toBe(submitted);
  });
});
