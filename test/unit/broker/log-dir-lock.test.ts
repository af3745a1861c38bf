import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker } from '../../../broker/index.js';
import { LOCK_FILE, LogDirLock, LogDirLockedError } from '../../../broker/metadata/log-dir-lock.js';

describe('LogDirLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one holder in at a time, in this process too, and writes its pid', async () => {
    const lock = await LogDirLock.acquire([dir]);
    expect((await readFile(join(dir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    const refused = await LogDirLock.acquire([dir]).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LogDirLockedError);
    expect((refused as Error).message).toContain(dir);
    await lock.release();
    await expect(stat(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    await (await LogDirLock.acquire([dir])).release();
  });

  it.each([
    ['a process that has exited', () => String(spawnSync(process.execPath, ['-e', '0']).pid)],
    ['garbage', () => 'not a pid'],
  ])('takes over a lock file left by %s', async (_, content) => {
    await writeFile(join(dir, LOCK_FILE), content());
    const lock = await LogDirLock.acquire([dir]);
    expect((await readFile(join(dir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('refuses a directory whose lock a running process holds, and frees what it took', async () => {
    const other = join(dir, 'other');
    await writeFile(join(dir, LOCK_FILE), String(process.ppid));
    await expect(LogDirLock.acquire([other, dir])).rejects.toBeInstanceOf(LogDirLockedError);
    await expect(stat(join(other, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second broker on the same data directory with a clear message', async () => {
    const first = await startBroker({ properties: { 'log.dirs': dir } });
    try {
      await expect(startBroker({ properties: { 'log.dirs': dir } })).rejects.toThrow(/in use by another broker/);
    } finally {
      await first.stop();
    }
    const again = await startBroker({ properties: { 'log.dirs': dir } });
    await again.stop();
  });
});
