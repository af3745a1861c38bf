import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initProducerIdHandler } from '../../../broker/api/handlers/init-producer-id.js';
import type { ApiRequest } from '../../../broker/api/router.js';
import { createLogger } from '../../../broker/logger.js';
import {
  PRODUCER_ID_BLOCK_FILE,
  PRODUCER_ID_BLOCK_SIZE,
  ProducerIdManager,
} from '../../../broker/producer-id-manager.js';
import { ErrorCode, type InitProducerId, type RequestOf } from '../../../protocol/index.js';
import { withTempDir } from '../../helpers/storage.js';

function request(body: Partial<RequestOf<typeof InitProducerId>> = {}): ApiRequest<typeof InitProducerId> {
  return {
    header: { apiKey: 22, apiVersion: 4, correlationId: 1, clientId: 't' },
    body: { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...body },
    logger: createLogger({ level: 'silent' }),
  } as unknown as ApiRequest<typeof InitProducerId>;
}

describe('ProducerIdManager', () => {
  it('hands out consecutive ids from a persisted block and never reuses them after a restart', async () => {
    await withTempDir(async (dir) => {
      const first = new ProducerIdManager({ logDir: dir, brokerId: 1 });
      const ids = await Promise.all(Array.from({ length: 5 }, () => first.generateProducerId()));
      expect(ids).toEqual([0, 1, 2, 3, 4]);
      expect(JSON.parse(await readFile(join(dir, PRODUCER_ID_BLOCK_FILE), 'utf8'))).toEqual({
        version: 1,
        broker: 1,
        block_start: 0,
        block_end: PRODUCER_ID_BLOCK_SIZE - 1,
      });
      const restarted = new ProducerIdManager({ logDir: dir, brokerId: 1 });
      expect(await restarted.generateProducerId()).toBe(PRODUCER_ID_BLOCK_SIZE);
    });
  });

  it('claims the next block when one runs out, once for all waiting callers', async () => {
    await withTempDir(async (dir) => {
      const manager = new ProducerIdManager({ logDir: dir, brokerId: 1 });
      const ids = await Promise.all(
        Array.from({ length: PRODUCER_ID_BLOCK_SIZE + 2 }, () => manager.generateProducerId()),
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(Math.max(...ids)).toBe(PRODUCER_ID_BLOCK_SIZE + 1);
    });
  });

  it('refuses to allocate from an unreadable block file', async () => {
    await withTempDir(async (dir) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, PRODUCER_ID_BLOCK_FILE), 'garbage');
      await expect(new ProducerIdManager({ logDir: dir, brokerId: 1 }).generateProducerId()).rejects.toThrow();
    });
  });
});

describe('InitProducerId handler', () => {
  it('gives an idempotent producer a new id with epoch 0, ignoring the v3+ id and epoch as Kafka does', async () => {
    await withTempDir(async (dir) => {
      const handler = initProducerIdHandler(new ProducerIdManager({ logDir: dir, brokerId: 1 }));
      expect(await handler(request())).toEqual({
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        producerId: 0,
        producerEpoch: 0,
      });
      expect(await handler(request({ producerId: 0, producerEpoch: 0 }))).toMatchObject({
        producerId: 1,
        producerEpoch: 0,
      });
    });
  });

  it('answers COORDINATOR_NOT_AVAILABLE to a transactional id', async () => {
    await withTempDir(async (dir) => {
      const handler = initProducerIdHandler(new ProducerIdManager({ logDir: dir, brokerId: 1 }));
      expect(await handler(request({ transactionalId: 'tx' }))).toEqual({
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        producerId: -1,
        producerEpoch: -1,
      });
    });
  });

  it('answers KAFKA_STORAGE_ERROR when no block can be claimed', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, PRODUCER_ID_BLOCK_FILE), '{}');
      const handler = initProducerIdHandler(new ProducerIdManager({ logDir: dir, brokerId: 1 }));
      expect(await handler(request())).toMatchObject({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, producerId: -1 });
    });
  });
});
