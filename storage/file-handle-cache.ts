import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

/** How the cache opens a file; injectable for tests. Default: read-write (`r+`), which requires the file to exist. */
export type FileOpener = (path: string) => Promise<FileHandle>;

export const DEFAULT_FILE_HANDLE_CACHE_CAPACITY = 128;

interface Entry {
  path: string;
  handle: Promise<FileHandle>;
  /** Operations running on the handle right now. */
  refs: number;
  /** Pinned entries (active segments' logs) are never evicted and do not count against the capacity. */
  pins: number;
  /** Removed from the map while in use: closed by the last release. */
  doomed: boolean;
}

/**
 * A bounded, least-recently-used cache of open file handles, keyed by path, shared by all segments of a log
 * manager so that 10,000 partitions with many segments each do not hold tens of thousands of descriptors.
 *
 * - `use(path, fn)` runs `fn` with an open handle, opening the file if needed; the handle cannot be closed while
 *   `fn` runs (reference counted), so eviction never breaks an in-flight read or write.
 * - `pin(path)` keeps a handle open outside the LRU budget (the active segment's .log); `unpin` returns it to the
 *   LRU, where it is the most recently used entry.
 * - Entries above `capacity` that are idle and unpinned are closed, oldest first. When every entry is busy the
 *   cache temporarily exceeds its capacity rather than waiting.
 * - Path-level changes must go through the cache: `evict` before deleting or re-creating a file (a cached
 *   descriptor would otherwise keep pointing at the old inode), `rename` after renaming one.
 *
 * Concurrency: single-threaded JS; all bookkeeping is synchronous, so concurrent `use` calls for one path share
 * one open() call.
 */
export class FileHandleCache {
  readonly #entries = new Map<string, Entry>();
  readonly #opener: FileOpener;
  #unpinned = 0;
  #closed = false;

  constructor(
    readonly capacity = DEFAULT_FILE_HANDLE_CACHE_CAPACITY,
    opener: FileOpener = (path) => open(path, 'r+'),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`invalid capacity ${capacity}`);
    this.#opener = opener;
  }

  /** Open handles (or handles being opened) held by the cache, pinned ones included. */
  get openCount(): number {
    return this.#entries.size;
  }

  /** Whether the cache holds a handle for `path`. */
  has(path: string): boolean {
    return this.#entries.has(path);
  }

  /** Runs `fn` with an open handle for `path`. Errors from opening (e.g. ENOENT) reject as they are. */
  async use<T>(path: string, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    const entry = this.#acquire(path);
    try {
      return await fn(await entry.handle);
    } finally {
      this.#release(entry);
    }
  }

  /** Keeps `path` open until unpin; pins nest. Rejects if the file cannot be opened. */
  async pin(path: string): Promise<void> {
    const entry = this.#acquire(path);
    try {
      await entry.handle;
      if (entry.pins++ === 0 && !entry.doomed) this.#unpinned--;
    } finally {
      this.#release(entry);
    }
  }

  /** Returns a pinned handle to the LRU (it stays open until evicted). */
  unpin(path: string): void {
    const entry = this.#entries.get(path);
    if (entry === undefined || entry.pins === 0) return;
    if (--entry.pins === 0) {
      this.#unpinned++;
      this.#touch(entry);
      this.#evictIdle();
    }
  }

  /** Forgets `path`: closes its handle now if idle, else after the operations in flight finish. */
  async evict(path: string): Promise<void> {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#remove(entry);
    if (entry.refs === 0) await closeEntry(entry);
  }

  /** Re-keys a handle after its file was renamed (an open descriptor follows the file). */
  rename(oldPath: string, newPath: string): void {
    if (oldPath === newPath) return;
    const stale = this.#entries.get(newPath);
    if (stale !== undefined) {
      this.#remove(stale);
      if (stale.refs === 0) void closeEntry(stale);
    }
    const entry = this.#entries.get(oldPath);
    if (entry === undefined) return;
    this.#entries.delete(oldPath);
    entry.path = newPath;
    this.#entries.set(newPath, entry);
  }

  /** Closes every idle handle and dooms busy ones; the cache stays usable afterwards. */
  async closeAll(): Promise<void> {
    const idle: Entry[] = [];
    for (const entry of [...this.#entries.values()]) {
      this.#remove(entry);
      if (entry.refs === 0) idle.push(entry);
    }
    await Promise.all(idle.map(closeEntry));
  }

  /** Closes everything; further use throws. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.closeAll();
  }

  #acquire(path: string): Entry {
    if (this.#closed) throw new Error('file handle cache is closed');
    let entry = this.#entries.get(path);
    if (entry === undefined) {
      const created: Entry = { path, handle: this.#opener(path), refs: 0, pins: 0, doomed: false };
      // A failed open must not stay cached; callers see the rejection through `handle`.
      created.handle.catch(() => {
        if (this.#entries.get(created.path) === created) this.#remove(created);
      });
      entry = created;
      this.#entries.set(path, entry);
      this.#unpinned++;
    } else {
      this.#touch(entry);
    }
    entry.refs++;
    this.#evictIdle();
    return entry;
  }

  #release(entry: Entry): void {
    entry.refs--;
    if (entry.refs === 0 && entry.doomed) void closeEntry(entry);
    else this.#evictIdle();
  }

  /** Moves an entry to the most-recently-used end (Map iteration order is insertion order). */
  #touch(entry: Entry): void {
    this.#entries.delete(entry.path);
    this.#entries.set(entry.path, entry);
  }

  #remove(entry: Entry): void {
    if (entry.doomed) return;
    entry.doomed = true;
    this.#entries.delete(entry.path);
    if (entry.pins === 0) this.#unpinned--;
  }

  #evictIdle(): void {
    if (this.#unpinned <= this.capacity) return;
    for (const entry of this.#entries.values()) {
      if (this.#unpinned <= this.capacity) return;
      if (entry.refs === 0 && entry.pins === 0) {
        this.#remove(entry);
        void closeEntry(entry);
      }
    }
  }
}

/** Closes a handle that is no longer reachable; a failed open or close has nothing left to clean up. */
async function closeEntry(entry: Entry): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await entry.handle;
  } catch {
    return;
  }
  await handle.close().catch(() => undefined);
}
