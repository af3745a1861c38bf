import { BORROW_MIN_BYTES, ProtocolDecodeError, Reader, Writer } from '../../protocol/index.js';
import type { StoredGroup, StoredMember, StoredOffset } from './group-persistence.js';

/**
 * Kafka's record formats in __consumer_offsets, byte for byte, so Kafka's tools (the console consumer's offsets
 * formatter, kafka-dump-log --offsets-decoder) read our topic and we read theirs.
 *
 * Key: int16 version, then the fields. Versions 0 and 1 are an offset commit key (group, topic, partition), 2 a
 * group metadata key (group); newer Kafka writes more key versions for its KIP-848 groups, which we report as
 * unknown. Value: int16 version, then the fields of that version; a null value (tombstone) deletes the key.
 *
 * OffsetCommitValue: v0 offset, metadata, commitTimestamp; v1 + expireTimestamp; v2 drops it; v3 adds leaderEpoch
 * after the offset; v4 is v3 flexible (compact strings, tagged fields). GroupMetadataValue: v0 protocolType,
 * generation, protocol?, leader?, members (memberId, clientId, clientHost, sessionTimeout, subscription,
 * assignment); v1 adds each member's rebalanceTimeout (before sessionTimeout); v2 currentStateTimestamp (before
 * members); v3 each member's groupInstanceId? (after memberId); v4 is v3 flexible.
 *
 * We write what Kafka 3.x writes: offset key v1; offset value v1 when an expire timestamp is set, else v3; group
 * key v2 and group value v3. We read every version; a value version above the highest known is read as the
 * highest (KIP-915: from the flexible v4 on, newer versions only add tagged fields). Malformed bytes throw
 * ProtocolDecodeError. Decoded byte fields are copies, so a loaded group never pins the read buffer.
 */

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 3;
const OFFSET_COMMIT_VALUE_MAX_VERSION = 4;
const GROUP_METADATA_VALUE_MAX_VERSION = 4;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;

export type OffsetsTopicKey =
  | { kind: 'offset'; version: number; group: string; topic: string; partition: number }
  | { kind: 'group'; version: number; group: string }
  /** A record type we do not keep (a newer Kafka's group records): skipped on load. */
  | { kind: 'unknown'; version: number };

/** An offset commit value: the committed offset without the topic-partition of its key. */
export type OffsetCommitValue = Omit<StoredOffset, 'topic' | 'partition'>;

/** The primitives a record encoder needs; implemented by a size pass and by the protocol Writer. */
interface Sink {
  int16(v: number): void;
  int32(v: number): void;
  int64(v: number): void;
  int64n(v: bigint): void;
  uvarint(v: number): void;
  utf8(s: string, length: number): void;
  raw(b: Buffer): void;
}

/** The size pass: counts the bytes the Writer keeps inline (it borrows large byte fields instead of copying). */
class Measure implements Sink {
  inline = 0;
  int16(): void {
    this.inline += 2;
  }
  int32(): void {
    this.inline += 4;
  }
  int64(): void {
    this.inline += 8;
  }
  int64n(): void {
    this.inline += 8;
  }
  uvarint(v: number): void {
    this.inline += v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
  }
  utf8(_s: string, length: number): void {
    this.inline += length;
  }
  raw(b: Buffer): void {
    if (b.length < BORROW_MIN_BYTES) this.inline += b.length;
  }
}

/** Runs `write` twice, measuring then writing, and returns the bytes. */
function encode(write: (sink: Sink) => void): Buffer {
  const measure = new Measure();
  write(measure);
  const writer = new Writer(measure.inline);
  write(writer);
  const chunks = writer.finish();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function putString(sink: Sink, s: string | null, flexible: boolean): void {
  if (s === null) {
    if (flexible) sink.uvarint(0);
    else sink.int16(-1);
    return;
  }
  const n = Buffer.byteLength(s, 'utf8');
  if (flexible) sink.uvarint(n + 1);
  else if (n > 0x7fff) throw new RangeError(`string of ${n} bytes is too long for a record field`);
  else sink.int16(n);
  sink.utf8(s, n);
}

function putBytes(sink: Sink, b: Buffer, flexible: boolean): void {
  if (flexible) sink.uvarint(b.length + 1);
  else sink.int32(b.length);
  sink.raw(b);
}

function putArrayLength(sink: Sink, n: number, flexible: boolean): void {
  if (flexible) sink.uvarint(n + 1);
  else sink.int32(n);
}

function readString(r: Reader, flexible: boolean): string {
  return flexible ? r.compactString() : r.string();
}

function readNullableString(r: Reader, flexible: boolean): string | null {
  return flexible ? r.compactNullableString() : r.nullableString();
}

function readBytesCopy(r: Reader, flexible: boolean): Buffer {
  return Buffer.from(flexible ? r.compactBytes() : r.bytes());
}

/** Skips a tagged-field section: we know no tags in these records. */
function skipTaggedFields(r: Reader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

function readValueVersion(r: Reader, max: number, what: string): number {
  const version = r.int16();
  if (version < 0) throw new ProtocolDecodeError(`${what} has version ${version}`);
  return Math.min(version, max);
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return encode((s) => {
    s.int16(OFFSET_COMMIT_KEY_VERSION);
    putString(s, group, false);
    putString(s, topic, false);
    s.int32(partition);
  });
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return encode((s) => {
    s.int16(GROUP_METADATA_KEY_VERSION);
    putString(s, group, false);
  });
}

export function decodeOffsetsTopicKey(buf: Buffer): OffsetsTopicKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) {
    return { kind: 'offset', version, group: r.string(), topic: r.string(), partition: r.int32() };
  }
  if (version === GROUP_METADATA_KEY_VERSION) return { kind: 'group', version, group: r.string() };
  return { kind: 'unknown', version };
}

/** The version Kafka 3.x writes: v1 to keep an explicit expire timestamp, else v3 (with the leader epoch). */
export function offsetCommitValueVersion(value: OffsetCommitValue): number {
  return value.expireTimestamp !== -1 ? 1 : 3;
}

export function encodeOffsetCommitValue(value: OffsetCommitValue, version = offsetCommitValueVersion(value)): Buffer {
  if (!Number.isInteger(version) || version < 0 || version > OFFSET_COMMIT_VALUE_MAX_VERSION) {
    throw new RangeError(`no OffsetCommitValue version ${version}`);
  }
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  return encode((s) => {
    s.int16(version);
    s.int64n(value.offset);
    if (version >= 3) s.int32(value.leaderEpoch);
    putString(s, value.metadata, flexible);
    s.int64(value.commitTimestamp);
    if (version === 1) s.int64(value.expireTimestamp);
    if (flexible) s.uvarint(0);
  });
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf);
  const version = readValueVersion(r, OFFSET_COMMIT_VALUE_MAX_VERSION, 'an offset commit value');
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const offset = r.int64n();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = readString(r, flexible);
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1;
  if (flexible) skipTaggedFields(r);
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function encodeGroupMetadataValue(group: StoredGroup, version = GROUP_METADATA_VALUE_VERSION): Buffer {
  if (!Number.isInteger(version) || version < 0 || version > GROUP_METADATA_VALUE_MAX_VERSION) {
    throw new RangeError(`no GroupMetadataValue version ${version}`);
  }
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  return encode((s) => {
    s.int16(version);
    putString(s, group.protocolType, flexible);
    s.int32(group.generationId);
    putString(s, group.protocolName, flexible);
    putString(s, group.leaderId, flexible);
    if (version >= 2) s.int64(group.currentStateTimestamp);
    putArrayLength(s, group.members.length, flexible);
    for (const m of group.members) {
      putString(s, m.memberId, flexible);
      if (version >= 3) putString(s, m.groupInstanceId, flexible);
      putString(s, m.clientId, flexible);
      putString(s, m.clientHost, flexible);
      if (version >= 1) s.int32(m.rebalanceTimeoutMs);
      s.int32(m.sessionTimeoutMs);
      putBytes(s, m.subscription, flexible);
      putBytes(s, m.assignment, flexible);
      if (flexible) s.uvarint(0);
    }
    if (flexible) s.uvarint(0);
  });
}

/** Smallest encoding of one member (v0: three empty strings, a timeout, two empty byte fields). */
const MIN_MEMBER_BYTES = 3 + 4 + 2;

export function decodeGroupMetadataValue(groupId: string, buf: Buffer): StoredGroup {
  const r = new Reader(buf);
  const version = readValueVersion(r, GROUP_METADATA_VALUE_MAX_VERSION, 'a group metadata value');
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const protocolType = readString(r, flexible);
  const generationId = r.int32();
  const protocolName = readNullableString(r, flexible);
  const leaderId = readNullableString(r, flexible);
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = flexible ? r.compactArrayLength(MIN_MEMBER_BYTES) : r.arrayLength(MIN_MEMBER_BYTES);
  if (count === null) throw new ProtocolDecodeError(`group ${groupId}: null member array`);
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = readString(r, flexible);
    const groupInstanceId = version >= 3 ? readNullableString(r, flexible) : null;
    const clientId = readString(r, flexible);
    const clientHost = readString(r, flexible);
    const rebalanceTimeout = version >= 1 ? r.int32() : null;
    const sessionTimeoutMs = r.int32();
    const subscription = readBytesCopy(r, flexible);
    const assignment = readBytesCopy(r, flexible);
    if (flexible) skipTaggedFields(r);
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      // v0 had no rebalance timeout: Kafka reads the session timeout in its place
      rebalanceTimeoutMs: rebalanceTimeout ?? sessionTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  if (flexible) skipTaggedFields(r);
  return { groupId, protocolType, generationId, protocolName, leaderId, currentStateTimestamp, members };
}
