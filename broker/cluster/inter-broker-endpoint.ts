import type { BrokerMetadata } from '../metadata/metadata-cache.js';

/**
 * Where other brokers reach `broker`: its endpoint on the inter-broker listener (Kafka's
 * `inter.broker.listener.name`), or its first endpoint when `listenerName` is null. Undefined when the broker does
 * not publish that listener (a misconfigured cluster: callers log it and treat the broker as unreachable).
 */
export function interBrokerEndpoint(
  broker: BrokerMetadata,
  listenerName: string | null,
): { host: string; port: number } | undefined {
  const endpoint =
    listenerName === null ? broker.endpoints[0] : broker.endpoints.find((e) => e.listenerName === listenerName);
  return endpoint === undefined ? undefined : { host: endpoint.host, port: endpoint.port };
}
