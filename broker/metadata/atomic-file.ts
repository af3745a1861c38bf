import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory } from '../../storage/index.js';

/**
 * Replaces `path` with `text` so that a crash leaves the old content or the new, never a mix: write `<path>.tmp`,
 * fsync it, rename it over the file, fsync the directory (the same steps as storage's checkpoint files).
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(dirname(path));
}
