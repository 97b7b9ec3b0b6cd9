import { metricsAddressFrom } from '../../../src/workerHost/metricsServer';
import { METRICS_ADDRESS_ENV } from '../../../src/workerHost/settings';

describe('metrics address', () => {
  it('is off unless a port or ACI_FLOW_METRICS_ADDRESS is given', () => {
    expect(metricsAddressFrom(undefined, {})).toBeUndefined();
    expect(metricsAddressFrom(undefined, { [METRICS_ADDRESS_ENV]: '  ' })).toBeUndefined();
  });

  it('reads host:port from the environment, IPv6 in brackets included', () => {
    expect(metricsAddressFrom(undefined, { [METRICS_ADDRESS_ENV]: '127.0.0.1:9464' })).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(metricsAddressFrom(undefined, { [METRICS_ADDRESS_ENV]: '[::1]:9464' })).toEqual({ host: '::1', port: 9464 });
  });

  it('listens on every interface for --metrics-port, which wins over the environment', () => {
    expect(metricsAddressFrom(9100, { [METRICS_ADDRESS_ENV]: '127.0.0.1:9464' })).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it.each(['9464', ':9464', 'localhost:', 'localhost:http', 'localhost:70000', 'localhost:0'])('rejects %p naming the variable', (raw) => {
    expect(() => metricsAddressFrom(undefined, { [METRICS_ADDRESS_ENV]: raw })).toThrow(
      new RegExp(`${METRICS_ADDRESS_ENV}: must be host:port, e\\.g\\. 127\\.0\\.0\\.1:9464`),
    );
  });
});
