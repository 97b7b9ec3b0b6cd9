import { matchRoute, type Route } from '../../../src/emulator/http';
import { must } from '../../helpers/must';

const handle = () => ({ status: 200 });
const routes: Route[] = [
  { pattern: ['subscriptions', ':subscriptionId', 'resourcegroups', ':resourceGroup'], methods: { GET: { kind: 'resourceGroups.get', handle } } },
];

describe('route path parameters', () => {
  it('hands a handler the segments its pattern captures, in the caller spelling', () => {
    const { params } = must(matchRoute(routes, ['subscriptions', 'sub-1', 'resourceGroups', 'My-RG']), 'a match');
    expect([params.subscriptionId, params.resourceGroup]).toEqual(['sub-1', 'My-RG']);
    expect(Object.entries(params)).toEqual([
      ['subscriptionId', 'sub-1'],
      ['resourceGroup', 'My-RG'],
    ]);
    expect('groupName' in params).toBe(false);
  });

  it('throws when a handler reads a parameter its pattern does not capture, instead of yielding undefined', () => {
    const { params } = must(matchRoute(routes, ['subscriptions', 'sub-1', 'resourcegroups', 'rg']), 'a match');
    expect(() => params.groupName).toThrow("route handler read path parameter 'groupName' that its pattern does not capture");
  });

  it('matches no route when a captured segment is empty', () => {
    expect(matchRoute(routes, ['subscriptions', '', 'resourcegroups', 'rg'])).toBeUndefined();
  });
});
