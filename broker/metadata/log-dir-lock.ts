import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';

/** Lock files this process holds: a second broker in the same process must be refused too. */
const heldHere = new Set<string>();

export class LogDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`log directory ${dir} is in use by another broker (process ${pid}; lock file ${join(dir, LOCK_FILE)})`);
    this.name = 'LogDirLockedError';
  }
}

/**
 * Kafka's `.lock` in every log directory: one broker per directory. Node has no portable advisory file lock, so
 * the lock is a file created exclusively holding the owner's pid, removed on release. A lock left by a process
 * that no longer runs (a SIGKILLed broker) is stale and taken over; a live owner refuses start-up with a message
 * naming the directory and the pid.
 */
export class LogDirLock {
  private constructor(readonly files: readonly string[]) {}

  static async acquire(dirs: readonly string[]): Promise<LogDirLock> {
    const taken: string[] = [];
    try {
      for (const dir of dirs) {
        await mkdir(dir, { recursive: true });
        const file = join(dir, LOCK_FILE);
        await lockFile(dir, file);
        taken.push(file);
      }
    } catch (err) {
      await new LogDirLock(taken).release();
      throw err;
    }
    return new LogDirLock(taken);
  }

  async release(): Promise<void> {
    for (const file of this.files) {
      if (!heldHere.delete(file)) continue;
      await unlink(file).catch(() => undefined);
    }
  }
}

async function lockFile(dir: string, file: string): Promise<void> {
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      heldHere.add(file);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    const live = Number.isInteger(owner) && (owner === process.pid ? heldHere.has(file) : isRunning(owner));
    if (live) throw new LogDirLockedError(dir, owner);
    await unlink(file).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
