import { describe, expect, it } from 'vitest';
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsTopicKey,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type OffsetCommitValue,
} from '../../../broker/group/consumer-offsets-records.js';
import type { StoredGroup } from '../../../broker/group/group-persistence.js';
import { ProtocolDecodeError } from '../../../protocol/index.js';

/** Hex with spaces for readability; fixtures derived by hand from Kafka's OffsetCommit and GroupMetadata schemas. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('__consumer_offsets keys', () => {
  it('writes OffsetCommitKey v1 and GroupMetadataKey v2 byte for byte', () => {
    expect(encodeOffsetCommitKey('g', 't', 3)).toEqual(hex('0001 0001 67 0001 74 00000003'));
    expect(encodeGroupMetadataKey('g')).toEqual(hex('0002 0001 67'));
  });

  it('reads offset keys v0 and v1, group keys, and reports newer record types as unknown', () => {
    expect(decodeOffsetsTopicKey(hex('0000 0001 67 0001 74 00000003'))).toEqual({
      kind: 'offset',
      version: 0,
      group: 'g',
      topic: 't',
      partition: 3,
    });
    expect(decodeOffsetsTopicKey(encodeOffsetCommitKey('grp', 'topic', 7))).toEqual({
      kind: 'offset',
      version: 1,
      group: 'grp',
      topic: 'topic',
      partition: 7,
    });
    expect(decodeOffsetsTopicKey(hex('0002 0002 6869'))).toEqual({ kind: 'group', version: 2, group: 'hi' });
    expect(decodeOffsetsTopicKey(hex('0003 0001 67'))).toEqual({ kind: 'unknown', version: 3 });
    expect(() => decodeOffsetsTopicKey(hex('0001 0001'))).toThrow(ProtocolDecodeError);
  });
});

describe('OffsetCommitValue', () => {
  const base: OffsetCommitValue = {
    offset: 42n,
    leaderEpoch: 5,
    metadata: 'm',
    commitTimestamp: 1000,
    expireTimestamp: -1,
  };
  const fixtures: [number, string, OffsetCommitValue][] = [
    [0, '0000 000000000000002a 0001 6d 00000000000003e8', { ...base, leaderEpoch: -1 }],
    [
      1,
      '0001 000000000000002a 0001 6d 00000000000003e8 00000000000007d0',
      { ...base, leaderEpoch: -1, expireTimestamp: 2000 },
    ],
    [2, '0002 000000000000002a 0001 6d 00000000000003e8', { ...base, leaderEpoch: -1 }],
    [3, '0003 000000000000002a 00000005 0001 6d 00000000000003e8', base],
    [4, '0004 000000000000002a 00000005 02 6d 00000000000003e8 00', base],
  ];

  it.each(fixtures)('version %i matches the hand-derived bytes both ways', (version, bytes, value) => {
    expect(encodeOffsetCommitValue(value, version)).toEqual(hex(bytes));
    expect(decodeOffsetCommitValue(hex(bytes))).toEqual(value);
  });

  it('writes what Kafka 3.x writes: v1 with an expire timestamp, else v3', () => {
    expect(encodeOffsetCommitValue(base).readInt16BE(0)).toBe(3);
    expect(encodeOffsetCommitValue({ ...base, expireTimestamp: 9 }).readInt16BE(0)).toBe(1);
  });

  it('keeps offsets beyond 2^53, non-ASCII metadata, and skips unknown tags of newer flexible versions', () => {
    const big = { ...base, offset: 2n ** 62n, metadata: 'ünïcødé ✓' };
    expect(decodeOffsetCommitValue(encodeOffsetCommitValue(big))).toEqual(big);
    const v5 = hex('0005 000000000000002a 00000005 02 6d 00000000000003e8  01 07 02 abcd');
    expect(decodeOffsetCommitValue(v5)).toEqual(base);
    expect(() => decodeOffsetCommitValue(hex('ffff'))).toThrow(ProtocolDecodeError);
    expect(() => decodeOffsetCommitValue(hex('0003 000000000000002a'))).toThrow(ProtocolDecodeError);
  });
});

describe('GroupMetadataValue', () => {
  const group: StoredGroup = {
    groupId: 'g',
    protocolType: 'consumer',
    generationId: 2,
    protocolName: 'range',
    leaderId: 'm1',
    currentStateTimestamp: 100,
    members: [
      {
        memberId: 'm1',
        groupInstanceId: null,
        clientId: 'c',
        clientHost: '/h',
        rebalanceTimeoutMs: 60_000,
        sessionTimeoutMs: 10_000,
        subscription: hex('0102'),
        assignment: hex('03'),
      },
    ],
  };
  const head = '0008 636f6e73756d6572 00000002 0005 72616e6765 0002 6d31';
  const v3 = `0003 ${head} 0000000000000064 00000001  0002 6d31 ffff 0001 63 0002 2f68 0000ea60 00002710 00000002 0102 00000001 03`;

  it('writes v3 byte for byte and reads it back', () => {
    expect(encodeGroupMetadataValue(group)).toEqual(hex(v3));
    expect(decodeGroupMetadataValue('g', hex(v3))).toEqual(group);
  });

  it('reads v0 (no rebalance timeout: the session timeout stands in, as in Kafka), v1 and v2', () => {
    const v0 = `0000 ${head} 00000001  0002 6d31 0001 63 0002 2f68 00002710 00000002 0102 00000001 03`;
    const member = group.members[0]!;
    expect(decodeGroupMetadataValue('g', hex(v0))).toEqual({
      ...group,
      currentStateTimestamp: -1,
      members: [{ ...member, rebalanceTimeoutMs: 10_000 }],
    });
    const v1 = `0001 ${head} 00000001  0002 6d31 0001 63 0002 2f68 0000ea60 00002710 00000002 0102 00000001 03`;
    expect(decodeGroupMetadataValue('g', hex(v1))).toEqual({ ...group, currentStateTimestamp: -1 });
    expect(encodeGroupMetadataValue(group, 1)).toEqual(hex(v1));
    const v2 = `0002 ${head} 0000000000000064 00000001  0002 6d31 0001 63 0002 2f68 0000ea60 00002710 00000002 0102 00000001 03`;
    expect(decodeGroupMetadataValue('g', hex(v2))).toEqual(group);
  });

  it('reads and writes the flexible v4, skipping unknown tagged fields', () => {
    const v4 =
      '0004 09 636f6e73756d6572 00000002 06 72616e6765 03 6d31 0000000000000064 02' +
      ' 03 6d31 00 02 63 03 2f68 0000ea60 00002710 03 0102 02 03 00  00';
    expect(encodeGroupMetadataValue(group, 4)).toEqual(hex(v4));
    expect(decodeGroupMetadataValue('g', hex(v4))).toEqual(group);
    const tagged = hex(v4.replace(/ 00 {2}00$/, ' 01 01 01 ff  01 09 00'));
    expect(decodeGroupMetadataValue('g', tagged)).toEqual(group);
  });

  it('round-trips an empty group and a static member with large metadata', () => {
    const empty: StoredGroup = { ...group, protocolName: null, leaderId: null, generationId: 3, members: [] };
    expect(encodeGroupMetadataValue(empty)).toEqual(
      hex('0003 0008 636f6e73756d6572 00000003 ffff ffff 0000000000000064 00000000'),
    );
    expect(decodeGroupMetadataValue('g', encodeGroupMetadataValue(empty))).toEqual(empty);
    const big: StoredGroup = {
      ...group,
      members: [{ ...group.members[0]!, groupInstanceId: 'instance-1', assignment: Buffer.alloc(10_000, 7) }],
    };
    const decoded = decodeGroupMetadataValue('g', encodeGroupMetadataValue(big));
    // Buffer.equals for the large field: a deep toEqual walks it byte by byte, slowly
    expect(decoded.members[0]!.assignment.equals(big.members[0]!.assignment)).toBe(true);
    expect({ ...decoded.members[0], assignment: null }).toEqual({ ...big.members[0], assignment: null });
    // decoded bytes are copies, never views of the (possibly large) read buffer
    expect(decoded.members[0]!.assignment.buffer.byteLength).toBe(10_000);
  });

  it('throws ProtocolDecodeError on truncated or hostile input', () => {
    expect(() => decodeGroupMetadataValue('g', hex(v3).subarray(0, 40))).toThrow(ProtocolDecodeError);
    expect(() => decodeGroupMetadataValue('g', hex(`0003 ${head} 0000000000000064 7fffffff`))).toThrow(
      ProtocolDecodeError,
    );
  });
});
