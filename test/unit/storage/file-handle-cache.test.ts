import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHandleCache } from '../../../storage/file-handle-cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-handles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An opener that counts opens and closes. */
function countingOpener(): { opener: (p: string) => Promise<FileHandle>; opens: string[]; closes: string[] } {
  const opens: string[] = [];
  const closes: string[] = [];
  const opener = async (path: string): Promise<FileHandle> => {
    opens.push(path);
    const handle = await open(path, 'r+');
    const close = handle.close.bind(handle);
    handle.close = () => {
      closes.push(path);
      return close();
    };
    return handle;
  };
  return { opener, opens, closes };
}

async function files(n: number): Promise<string[]> {
  const paths = Array.from({ length: n }, (_, i) => join(dir, `f${i}`));
  await Promise.all(paths.map((p, i) => writeFile(p, `file ${i}`)));
  return paths;
}

/** Positional, so handles shared between users read the same thing (storage never uses the file position). */
async function readAll(h: FileHandle): Promise<string> {
  const buf = Buffer.alloc(64);
  const { bytesRead } = await h.read(buf, 0, 64, 0);
  return buf.toString('utf8', 0, bytesRead);
}

describe('FileHandleCache', () => {
  it('reuses an open handle and shares one open between concurrent users', async () => {
    const [a] = await files(1);
    const { opener, opens } = countingOpener();
    const cache = new FileHandleCache(4, opener);
    const results = await Promise.all([cache.use(a!, readAll), cache.use(a!, readAll)]);
    expect(results).toEqual(['file 0', 'file 0']);
    await cache.use(a!, () => Promise.resolve());
    expect(opens).toEqual([a]);
    await cache.close();
  });

  it('closes the least recently used idle handles above capacity', async () => {
    const paths = await files(4);
    const { opener, closes } = countingOpener();
    const cache = new FileHandleCache(2, opener);
    await cache.use(paths[0]!, readAll);
    await cache.use(paths[1]!, readAll);
    await cache.use(paths[0]!, readAll); // 0 is now more recent than 1
    await cache.use(paths[2]!, readAll);
    await new Promise((r) => setImmediate(r));
    expect(closes).toEqual([paths[1]]);
    expect(cache.openCount).toBe(2);
    expect(cache.has(paths[0]!)).toBe(true);
    expect(cache.has(paths[2]!)).toBe(true);
    await cache.close();
  });

  it('never closes a handle in use, and exceeds capacity rather than wait', async () => {
    const paths = await files(3);
    const { opener, closes } = countingOpener();
    const cache = new FileHandleCache(1, opener);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const busy = cache.use(paths[0]!, async (h) => {
      await gate;
      return readAll(h);
    });
    expect(await cache.use(paths[1]!, readAll)).toBe('file 1');
    await new Promise((r) => setImmediate(r));
    expect(closes).not.toContain(paths[0]);
    release();
    expect(await busy).toBe('file 0');
    await cache.close();
  });

  it('keeps pinned handles outside the budget until unpinned', async () => {
    const paths = await files(3);
    const { opener, closes, opens } = countingOpener();
    const cache = new FileHandleCache(1, opener);
    await cache.pin(paths[0]!);
    await cache.use(paths[1]!, readAll);
    await cache.use(paths[2]!, readAll);
    await new Promise((r) => setImmediate(r));
    expect(closes).toEqual([paths[1]]);
    expect(await cache.use(paths[0]!, readAll)).toBe('file 0');
    expect(opens.filter((p) => p === paths[0])).toHaveLength(1);
    cache.unpin(paths[0]!); // most recent now: the older idle entry goes
    await new Promise((r) => setImmediate(r));
    expect(closes).toEqual([paths[1], paths[2]]);
    await cache.close();
  });

  it('evicts before a file is replaced, and follows renames', async () => {
    const [a] = await files(1);
    const cache = new FileHandleCache(4);
    expect(await cache.use(a!, readAll)).toBe('file 0');
    await cache.evict(a!);
    await rm(a!);
    await writeFile(a!, 'new content');
    expect(await cache.use(a!, readAll)).toBe('new content');
    const b = join(dir, 'renamed');
    await rename(a!, b);
    cache.rename(a!, b);
    expect(cache.has(a!)).toBe(false);
    await cache.use(b, (h) => h.write(Buffer.from('NEW'), 0, 3, 0));
    expect(await readFile(b, 'utf8')).toBe('NEW content');
    await cache.close();
  });

  it('does not cache a failed open', async () => {
    const cache = new FileHandleCache(4);
    const missing = join(dir, 'missing');
    await expect(cache.use(missing, readAll)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(cache.openCount).toBe(0);
    await writeFile(missing, 'now here');
    expect(await cache.use(missing, readAll)).toBe('now here');
    await cache.close();
    await expect(cache.use(missing, readAll)).rejects.toThrow(/closed/);
  });
});
