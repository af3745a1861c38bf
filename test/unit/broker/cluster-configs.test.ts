import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseBrokerConfig, parseProperties } from '../../../broker/config.js';

const file = (path: string): Promise<string> => readFile(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The `- key=value` overrides of one compose service's command, by service name. */
function composeOverrides(compose: string): Map<string, Record<string, string>> {
  const services = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of compose.split('\n')) {
    const service = /^ {2}(broker-\d+):$/.exec(line);
    if (service !== null) services.set(service[1]!, (current = {}));
    else if (/^ {2}\S/.test(line)) current = undefined;
    const override = /^ {6}- ([a-z.]+)=(.*)$/.exec(line);
    if (current !== undefined && override !== null) current[override[1]!] = override[2]!;
  }
  return services;
}

describe('the three-broker cluster configs (docker-compose.yml and npm run cluster)', () => {
  it('share docker/cluster.properties, which is a valid replicated configuration', async () => {
    const shared = parseProperties(await file('docker/cluster.properties'));
    const config = parseBrokerConfig({ ...shared, 'zookeeper.connect': '127.0.0.1:2181/samsa' });
    expect(config.defaultReplicationFactor).toBe(3);
    expect(config.minInsyncReplicas).toBe(2);
    expect(config.offsetsTopicReplicationFactor).toBe(3);
    expect(config.unknownKeys).toEqual([]);
    const compose = await file('docker/docker-compose.yml');
    expect(compose.match(/- \/etc\/samsa\/cluster\.properties/g)).toHaveLength(3);
    expect(await file('docker/Dockerfile')).toMatch(/COPY .*docker\/cluster\.properties .*\/etc\/samsa\//);
    expect(await file('bin/run-cluster.ts')).toContain('docker/cluster.properties');
  });

  it('gives each compose broker its own id and host port, reachable from the host and from other brokers', async () => {
    const services = composeOverrides(await file('docker/docker-compose.yml'));
    expect([...services.keys()]).toEqual(['broker-1', 'broker-2', 'broker-3']);
    const shared = parseProperties(await file('docker/cluster.properties'));
    const seenPorts = new Set<number>();
    for (const [name, overrides] of services) {
      const config = parseBrokerConfig({ ...shared, ...overrides });
      expect(config.brokerId).toBe(Number(name.slice('broker-'.length)));
      expect(config.zookeeperConnect).toBe('zookeeper:2181/samsa');
      const external = config.advertisedListeners.find((l) => l.name === 'EXTERNAL')!;
      const internal = config.advertisedListeners.find((l) => l.name === config.interBrokerListenerName)!;
      expect(external.host).toBe('localhost');
      expect(internal.host).toBe(name);
      // the host port is published as the same number the broker advertises
      expect(config.listeners.find((l) => l.name === 'EXTERNAL')!.port).toBe(external.port);
      seenPorts.add(external.port);
    }
    expect(seenPorts.size).toBe(3);
  });
});
