import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointFile,
  LEADER_EPOCH_CHECKPOINT_FORMAT,
  LeaderEpochCheckpointFile,
  OffsetCheckpointFile,
  parseTopicPartitionKey,
  topicPartitionKey,
} from '../../../storage/checkpoint-file.js';
import { CorruptCheckpointError, StorageIoError } from '../../../storage/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CheckpointFile', () => {
  it("writes Kafka's offset checkpoint format byte for byte and reads it back", async () => {
    const file = new OffsetCheckpointFile(join(dir, 'recovery-point-offset-checkpoint'));
    await file.write([
      { topic: 'orders', partition: 0, offset: 100 },
      { topic: 'my-topic.v2', partition: 12, offset: 9_007_199_254_740_991 },
    ]);
    const text = await readFile(file.path, 'utf8');
    expect(text).toBe('0\n2\norders 0 100\nmy-topic.v2 12 9007199254740991\n');
    expect(await file.read()).toEqual([
      { topic: 'orders', partition: 0, offset: 100 },
      { topic: 'my-topic.v2', partition: 12, offset: 9_007_199_254_740_991 },
    ]);
    // the temporary file is gone after a successful write
    expect(await readdir(dir)).toEqual(['recovery-point-offset-checkpoint']);
  });

  it('reads a file Kafka wrote, and an empty checkpoint', async () => {
    const path = join(dir, 'log-start-offset-checkpoint');
    await writeFile(path, '0\n3\n__consumer_offsets 7 0\na-b-c 1 42\nx 0 -1\n');
    const file = new OffsetCheckpointFile(path);
    expect(await file.readMap()).toEqual(
      new Map([
        ['__consumer_offsets-7', 0],
        ['a-b-c-1', 42],
        ['x-0', -1],
      ]),
    );
    await file.write([]);
    expect(await readFile(path, 'utf8')).toBe('0\n0\n');
    expect(await file.read()).toEqual([]);
  });

  it('reads a missing file as no entries', async () => {
    expect(await new OffsetCheckpointFile(join(dir, 'nope')).read()).toEqual([]);
  });

  it('writes and reads maps keyed by topic-partition', async () => {
    const file = new OffsetCheckpointFile(join(dir, 'replication-offset-checkpoint'));
    const map = new Map([
      ['t-with-dashes-3', 5],
      ['t-0', 7],
    ]);
    await file.writeMap(map);
    expect(await file.readMap()).toEqual(map);
    expect(topicPartitionKey('a-b', 2)).toBe('a-b-2');
    expect(parseTopicPartitionKey('a-b-2')).toEqual({ topic: 'a-b', partition: 2 });
    expect(parseTopicPartitionKey('nodash')).toBeNull();
    await expect(file.writeMap(new Map([['bad', 1]]))).rejects.toThrow(TypeError);
  });

  it('replaces the previous content atomically, ignoring a stale .tmp', async () => {
    const file = new LeaderEpochCheckpointFile(join(dir, 'leader-epoch-checkpoint'));
    await writeFile(`${file.path}.tmp`, 'garbage from a crash');
    await file.write([{ epoch: 0, startOffset: 0 }]);
    await file.write([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 120 },
    ]);
    expect(await readFile(file.path, 'utf8')).toBe('0\n2\n0 0\n3 120\n');
    expect(await file.read()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 120 },
    ]);
    expect(await readdir(dir)).toEqual(['leader-epoch-checkpoint']);
  });

  it.each([
    ['empty file', ''],
    ['unknown version', '1\n0\n'],
    ['bad count', '0\nx\n'],
    ['fewer entries than counted', '0\n2\nt 0 1\n'],
    ['more entries than counted', '0\n1\nt 0 1\nt 1 2\n'],
    ['malformed entry', '0\n1\nt zero 1\n'],
    ['missing field', '0\n1\nt 0\n'],
    ['negative partition', '0\n1\nt -1 5\n'],
  ])('reports %s as CorruptCheckpointError naming the file', async (_name, content) => {
    const path = join(dir, 'cp');
    await writeFile(path, content);
    const err = await new OffsetCheckpointFile(path).read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect((err as CorruptCheckpointError).file).toBe(path);
    expect((err as Error).message).toContain(path);
  });

  it('is generic over the entry format', async () => {
    const file = new CheckpointFile(join(dir, 'epochs'), LEADER_EPOCH_CHECKPOINT_FORMAT);
    await writeFile(file.path, '0\n1\n5 -3\n');
    await expect(file.read()).rejects.toBeInstanceOf(CorruptCheckpointError);
  });

  it('fails a write into a missing directory with StorageIoError', async () => {
    const file = new OffsetCheckpointFile(join(dir, 'missing', 'cp'));
    const err = await file.write([]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageIoError);
    expect((err as StorageIoError).code).toBe('ENOENT');
  });
});
