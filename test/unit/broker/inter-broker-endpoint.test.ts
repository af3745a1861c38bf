import { describe, expect, it } from 'vitest';
import { interBrokerEndpoint } from '../../../broker/cluster/inter-broker-endpoint.js';
import type { BrokerMetadata } from '../../../broker/metadata/metadata-cache.js';

const broker: BrokerMetadata = {
  brokerId: 2,
  rack: null,
  endpoints: [
    { listenerName: 'EXTERNAL', host: 'kafka-2.example.com', port: 19092, securityProtocol: 'PLAINTEXT' },
    { listenerName: 'INTERNAL', host: '10.0.0.2', port: 9093, securityProtocol: 'PLAINTEXT' },
  ],
};

describe('interBrokerEndpoint', () => {
  it('picks the endpoint of the inter-broker listener by name', () => {
    expect(interBrokerEndpoint(broker, 'INTERNAL')).toEqual({ host: '10.0.0.2', port: 9093 });
    expect(interBrokerEndpoint(broker, 'EXTERNAL')).toEqual({ host: 'kafka-2.example.com', port: 19092 });
  });

  it('takes the first endpoint when no listener is named', () => {
    expect(interBrokerEndpoint(broker, null)).toEqual({ host: 'kafka-2.example.com', port: 19092 });
  });

  it('is undefined when the broker does not publish the listener, or nothing at all', () => {
    expect(interBrokerEndpoint(broker, 'REPLICATION')).toBeUndefined();
    expect(interBrokerEndpoint({ ...broker, endpoints: [] }, null)).toBeUndefined();
  });
});
