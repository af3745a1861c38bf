import { fsyncDirectory } from './checkpoint-file.js';
import type { SwapStep } from './log-types.js';
import type { LogSegment } from './segment.js';
import { CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './segment-files.js';
import type { LogSegments } from './segments.js';

export interface SwapSegmentsOptions {
  /** Test hook run after each step; throwing from it stops the swap there, as a crash would. */
  afterStep?: ((step: SwapStep) => void | Promise<void>) | undefined;
  /** Removes the replaced segments' `.deleted` files (at once, or after file.delete.delay.ms). */
  retire: (old: readonly LogSegment[]) => Promise<void>;
}

/**
 * The crash-safe steps of the cleaner's swap (Kafka's LocalLog.replaceSegments): `cleaned`, complete and fsynced
 * with its files still suffixed `.cleaned`, takes the place of `oldSegments` in `segments` and on disk:
 * 1. 'swap': the cleaned files are renamed `.swap` and the directory fsynced. This is the commit point: from here
 *    a crash completes the swap on load (LogLoader deletes the segments the .swap covers and renames it);
 * 2. 'replaced': the segment list holds `cleaned` instead of the old segments;
 * 3. 'old-renamed': the old segments' files are renamed `.deleted`;
 * 4. 'renamed': the `.swap` suffix is dropped and the directory fsynced;
 * 5. the `.deleted` files are retired.
 *
 * Concurrency: runs on the owning Log's queue, after Log.replaceSegments has checked that the old segments are
 * still in the log and none is active.
 */
export async function swapSegments(
  dir: string,
  segments: LogSegments,
  cleaned: LogSegment,
  oldSegments: readonly LogSegment[],
  options: SwapSegmentsOptions,
): Promise<void> {
  const step = async (name: SwapStep): Promise<void> => options.afterStep?.(name);
  await cleaned.changeFileSuffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
  await fsyncDirectory(dir);
  await step('swap');
  for (const s of oldSegments) segments.remove(s);
  segments.add(cleaned);
  await step('replaced');
  for (const s of oldSegments) await s.changeFileSuffixes('', DELETED_FILE_SUFFIX);
  await step('old-renamed');
  await cleaned.changeFileSuffixes(SWAP_FILE_SUFFIX, '');
  await fsyncDirectory(dir);
  await step('renamed');
  await options.retire(oldSegments);
}
