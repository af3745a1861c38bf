import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PRODUCER_ID_BLOCK_SIZE } from '../../../broker/producer-id-manager.js';
import {
  createTopLevelPaths,
  decodeProducerIdBlock,
  ZkClient,
  ZkPaths,
  ZkProducerIdManager,
} from '../../../broker/zk/index.js';
import { zooKeeperPerTestFile } from '../../helpers/zookeeper.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const zkFile = zooKeeperPerTestFile();
const { cleanups } = zkFile;

async function connect(connectString: string): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000, logger });
  cleanups.push(() => zk.close());
  return zk;
}

/** A manager on its own ZooKeeper session, as each broker has. */
async function manager(connectString: string, brokerId: number): Promise<ZkProducerIdManager> {
  return new ZkProducerIdManager({ zk: await connect(connectString), brokerId, logger });
}

function generate(source: ZkProducerIdManager, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, () => source.generateProducerId()));
}

describe('ZkProducerIdManager', () => {
  it('starts at 0 on a fresh cluster and writes the block as Kafka does', async () => {
    const connectString = await zkFile.server.chrootFor('pid first block');
    const zk = await connect(connectString);
    await createTopLevelPaths(zk);
    const first = await manager(connectString, 3);
    expect(await generate(first, 3)).toEqual([0, 1, 2]);
    const { data } = await zk.getData(ZkPaths.latestProducerIdBlock);
    expect(data.toString()).toBe(
      `{"version":1,"broker":3,"block_start":"0","block_end":"${PRODUCER_ID_BLOCK_SIZE - 1}"}`,
    );
  });

  it('claims the first block even where the znode does not exist yet', async () => {
    const connectString = await zkFile.server.chrootFor('pid no znode');
    const first = await manager(connectString, 1);
    expect(await first.generateProducerId()).toBe(0);
  });

  it('hands out disjoint ids from two brokers claiming blocks concurrently', async () => {
    const connectString = await zkFile.server.chrootFor('pid concurrent');
    await createTopLevelPaths(await connect(connectString));
    const [one, two] = await Promise.all([manager(connectString, 1), manager(connectString, 2)]);
    const perManager = 3 * PRODUCER_ID_BLOCK_SIZE;
    const [a, b] = await Promise.all([generate(one, perManager), generate(two, perManager)]);
    const all = [...a, ...b];
    expect(new Set(all).size).toBe(2 * perManager);
    // each manager's ids come from its own blocks, in order
    for (const ids of [a, b]) expect(ids).toEqual([...ids].sort((x, y) => x - y));
    // six blocks claimed, none skipped: the ids are exactly 0 .. 5999
    expect(Math.max(...all)).toBe(2 * perManager - 1);
  });

  it('continues after the last claimed block when a new manager starts', async () => {
    const connectString = await zkFile.server.chrootFor('pid restart');
    const zk = await connect(connectString);
    await createTopLevelPaths(zk);
    const before = await manager(connectString, 1);
    await generate(before, PRODUCER_ID_BLOCK_SIZE + 5);
    const restarted = await manager(connectString, 1);
    expect(await restarted.generateProducerId()).toBe(2 * PRODUCER_ID_BLOCK_SIZE);
    const latest = decodeProducerIdBlock((await zk.getData(ZkPaths.latestProducerIdBlock)).data);
    expect(latest).toEqual({
      brokerId: 1,
      blockStart: 2 * PRODUCER_ID_BLOCK_SIZE,
      blockEnd: 3 * PRODUCER_ID_BLOCK_SIZE - 1,
    });
  });
});
