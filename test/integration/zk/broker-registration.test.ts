import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  BrokerIdConflictError,
  BrokerRegistration,
  createTopLevelPaths,
  decodeBrokerInfo,
  InconsistentClusterIdError,
  parseZkConnectString,
  PERSISTENT_ZK_PATHS,
  resolveClusterId,
  ZkClient,
  ZkPaths,
  type ZkBrokerEndpoint,
} from '../../../broker/zk/index.js';
import { waitFor } from '../../helpers/broker-process.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';
import { killSessionBehindPartition } from '../../helpers/zk-session-expiry.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const zkFile = zooKeeperPerTestFile();
const { cleanups } = zkFile;

async function connect(connectString: string): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000, logger });
  cleanups.push(() => zk.close());
  return zk;
}

const endpoint = (port: number, host = '127.0.0.1'): ZkBrokerEndpoint => ({
  listenerName: 'PLAINTEXT',
  host,
  port,
  securityProtocol: 'PLAINTEXT',
});

function registration(
  zk: ZkClient,
  brokerId: number,
  port: number,
  extra: Partial<ConstructorParameters<typeof BrokerRegistration>[0]> = {},
) {
  return new BrokerRegistration({ zk, brokerId, endpoints: [endpoint(port)], rack: null, logger, ...extra });
}

describe('broker registration', () => {
  it('writes /brokers/ids/<id> as an ephemeral in Kafka’s JSON, with the czxid as broker epoch', async () => {
    const zk = await connect(await zkFile.server.chrootFor('register'));
    await createTopLevelPaths(zk);
    const epochs: number[] = [];
    const reg = new BrokerRegistration({
      zk,
      brokerId: 2,
      endpoints: [
        endpoint(19092),
        { listenerName: 'INTERNAL', host: '127.0.0.1', port: 19093, securityProtocol: 'PLAINTEXT' },
      ],
      rack: 'rack-b',
      logger,
      nowMs: () => 1_700_000_000_123,
      onRegistered: (e) => epochs.push(e),
    });
    const brokerEpoch = await reg.register();

    const { data, stat } = await zk.getData('/brokers/ids/2');
    expect(data.toString()).toBe(
      '{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","INTERNAL":"PLAINTEXT"},' +
        '"endpoints":["PLAINTEXT://127.0.0.1:19092","INTERNAL://127.0.0.1:19093"],"rack":"rack-b","jmx_port":-1,' +
        '"port":19092,"host":"127.0.0.1","version":5,"timestamp":"1700000000123"}',
    );
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(brokerEpoch).toBe(stat.czxid);
    expect(reg.brokerEpoch).toBe(brokerEpoch);
    expect(epochs).toEqual([brokerEpoch]);
    expect(decodeBrokerInfo(2, data).rack).toBe('rack-b');
  });

  it('refuses a second broker with the same id, naming where the first is', async () => {
    const connectString = await zkFile.server.chrootFor('duplicate');
    const first = await connect(connectString);
    await registration(first, 1, 9092).register();
    const second = await connect(connectString);
    const attempt = registration(second, 1, 9093, { staleRegistrationWaitMs: 0 }).register();
    await expect(attempt).rejects.toBeInstanceOf(BrokerIdConflictError);
    await expect(attempt).rejects.toThrow('broker.id 1 is already registered at 127.0.0.1:9092');
    // the first registration is untouched
    const { data, stat } = await first.getData(ZkPaths.brokerId(1));
    expect(decodeBrokerInfo(1, data).endpoints[0]?.port).toBe(9092);
    expect(stat.ephemeralOwner).toBe(first.sessionId);
  });

  it('waits for a crashed predecessor’s registration to go away, then registers', async () => {
    const connectString = await zkFile.server.chrootFor('predecessor');
    const crashed = await connect(connectString);
    const oldEpoch = await registration(crashed, 4, 9092).register();
    const restarted = await connect(connectString);
    const attempt = registration(restarted, 4, 9092, { staleRegistrationWaitMs: 20_000 }).register();
    let settled = false;
    void attempt.finally(() => (settled = true)).catch(() => undefined);
    await waitFor(
      async () => (await restarted.exists(ZkPaths.brokerId(4)))?.ephemeralOwner === crashed.sessionId,
      5_000,
    );
    expect(settled).toBe(false);
    await crashed.close(); // its session ends: the ephemeral goes
    const newEpoch = await attempt;
    expect(newEpoch).toBeGreaterThan(oldEpoch);
    expect((await restarted.exists(ZkPaths.brokerId(4)))?.ephemeralOwner).toBe(restarted.sessionId);
  });

  it('re-registers after its session expires, with a new broker epoch', async () => {
    const direct = await zkFile.server.chrootFor('reregister');
    const { hosts, chroot } = parseZkConnectString(direct);
    const [host, port] = hosts.split(':');
    const proxy: TcpProxy = await startTcpProxy(host!, Number(port));
    cleanups.push(() => proxy.close());
    const zk = await connect(proxy.address + chroot);
    const observer = await connect(direct);
    const epochs: number[] = [];
    const reg = registration(zk, 3, 9092, { onRegistered: (e) => epochs.push(e) });
    const firstEpoch = await reg.register();

    const killed = await killSessionBehindPartition(zk, proxy, hosts);
    // the server dropped the registration with the session; the broker has not heard yet
    expect(await observer.exists(ZkPaths.brokerId(3))).toBeNull();
    killed.heal();
    await waitFor(
      () => epochs.length === 2,
      10_000,
      () => `registrations ${epochs.join()}`,
    );
    const stat = await observer.exists(ZkPaths.brokerId(3));
    expect(stat?.ephemeralOwner).toBe(zk.sessionId);
    expect(epochs[1]).toBe(stat?.czxid);
    expect(epochs[1]).toBeGreaterThan(firstEpoch);
    expect(reg.brokerEpoch).toBe(epochs[1]);

    await reg.deregister();
    expect(await observer.exists(ZkPaths.brokerId(3))).toBeNull();
  });
});

describe('cluster setup', () => {
  it('creates Kafka’s top-level paths', async () => {
    const zk = await connect(await zkFile.server.chrootFor('top-level'));
    await createTopLevelPaths(zk);
    await createTopLevelPaths(zk);
    for (const path of PERSISTENT_ZK_PATHS) expect(await zk.exists(path), path).not.toBeNull();
  });

  it('creates /cluster/id from the stored id, then agrees with the same id and refuses another', async () => {
    const zk = await connect(await zkFile.server.chrootFor('cluster-id'));
    expect(await resolveClusterId(zk, 'Sfr7YvlkRHSHrmSrwq9mug')).toBe('Sfr7YvlkRHSHrmSrwq9mug');
    expect((await zk.getData(ZkPaths.clusterId)).data.toString()).toBe('{"version":"1","id":"Sfr7YvlkRHSHrmSrwq9mug"}');
    expect(await resolveClusterId(zk, 'Sfr7YvlkRHSHrmSrwq9mug')).toBe('Sfr7YvlkRHSHrmSrwq9mug');
    expect(await resolveClusterId(zk, null)).toBe('Sfr7YvlkRHSHrmSrwq9mug');
    const mismatch = resolveClusterId(zk, 'AAAAAAAAAAAAAAAAAAAAAg');
    await expect(mismatch).rejects.toBeInstanceOf(InconsistentClusterIdError);
    await expect(mismatch).rejects.toThrow(/Sfr7YvlkRHSHrmSrwq9mug.*AAAAAAAAAAAAAAAAAAAAAg.*wrong cluster/);
  });

  it('makes up a cluster id for a broker without one, and the first proposal wins', async () => {
    const connectString = await zkFile.server.chrootFor('cluster-id-race');
    const [a, b] = await Promise.all([connect(connectString), connect(connectString)]);
    const [idA, idB] = await Promise.all([resolveClusterId(a, null), resolveClusterId(b, null)]);
    expect(idA).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(idB).toBe(idA);
    expect(await resolveClusterId(b, idA)).toBe(idA);
  });
});
