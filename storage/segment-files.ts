/**
 * Segment file names: `<base offset as 20 digits><kind>[<extra suffix>]`, as Kafka names them
 * (`00000000000000000005.log`, `...5.index.swap`).
 */
export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
/** A segment scheduled for deletion (file.delete.delay.ms). */
export const DELETED_FILE_SUFFIX = '.deleted';
/** Cleaner output being written. */
export const CLEANED_FILE_SUFFIX = '.cleaned';
/** Complete cleaner output waiting to replace the segments it covers. */
export const SWAP_FILE_SUFFIX = '.swap';

export type SegmentFileKind =
  typeof LOG_FILE_SUFFIX | typeof INDEX_FILE_SUFFIX | typeof TIME_INDEX_FILE_SUFFIX | typeof TXN_INDEX_FILE_SUFFIX;
export type SegmentExtraSuffix = '' | typeof DELETED_FILE_SUFFIX | typeof CLEANED_FILE_SUFFIX | typeof SWAP_FILE_SUFFIX;

const SEGMENT_FILE_NAME = /^(\d{20})(\.log|\.index|\.timeindex|\.txnindex)(\.deleted|\.cleaned|\.swap)?$/;

/** `<baseOffset as 20 digits><suffix>`, e.g. segmentFileName(5, '.log') = `00000000000000000005.log`. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) throw new RangeError(`invalid base offset ${baseOffset}`);
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** Parses a segment file name (`00000000000000000005.log`, `...5.index.swap`, ...); null for anything else. */
export function parseSegmentFileName(
  name: string,
): { baseOffset: number; kind: SegmentFileKind; extraSuffix: SegmentExtraSuffix } | null {
  const m = SEGMENT_FILE_NAME.exec(name);
  if (m === null) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: m[2] as SegmentFileKind, extraSuffix: (m[3] ?? '') as SegmentExtraSuffix };
}

/** Kafka's offsetFromFileName: the number before the first dot. */
export function offsetFromFileName(name: string): number {
  const dot = name.indexOf('.');
  const n = Number(dot < 0 ? name : name.substring(0, dot));
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a segment file name: ${name}`);
  return n;
}
