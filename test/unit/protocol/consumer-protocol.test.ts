import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  ProtocolDecodeError,
  ProtocolEncodeError,
} from '../../../protocol/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('consumer protocol subscription', () => {
  it('decodes what kafkajs sends (v0: topics and user data)', () => {
    const bytes = AssignerProtocol.MemberMetadata.encode({
      version: 0,
      topics: ['orders', 'payments'],
      userData: Buffer.from('hi'),
    });
    expect(decodeConsumerSubscription(bytes)).toEqual({
      version: 0,
      topics: ['orders', 'payments'],
      userData: Buffer.from('hi'),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    // and kafkajs reads ours back
    const ours = encodeConsumerSubscription({ topics: ['orders'], userData: Buffer.alloc(0) });
    expect(ours).toEqual(
      AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['orders'], userData: Buffer.alloc(0) }),
    );
    expect(AssignerProtocol.MemberMetadata.decode(ours)).toEqual({
      version: 0,
      topics: ['orders'],
      userData: Buffer.alloc(0),
    });
  });

  it('matches hand-derived bytes for v1 (owned partitions) and v3 (generation, rack)', () => {
    const v1 = hex(`0001  00000001 0001 74  ffffffff  00000001 0001 74 00000002 00000000 00000002`);
    expect(decodeConsumerSubscription(v1)).toEqual({
      version: 1,
      topics: ['t'],
      userData: null,
      ownedPartitions: [{ topic: 't', partitions: [0, 2] }],
      generationId: -1,
      rackId: null,
    });
    expect(
      encodeConsumerSubscription({ topics: ['t'], ownedPartitions: [{ topic: 't', partitions: [0, 2] }] }),
    ).toEqual(v1);

    const v3 = hex(`0003  00000001 0001 74  00000001 ab  00000000  00000005  0001 72`);
    const sub = {
      topics: ['t'],
      userData: Buffer.from([0xab]),
      ownedPartitions: [],
      generationId: 5,
      rackId: 'r',
    };
    expect(encodeConsumerSubscription(sub)).toEqual(v3);
    expect(decodeConsumerSubscription(v3)).toEqual({ version: 3, ...sub });
  });

  it('picks the lowest version that carries the given fields, or the one asked for', () => {
    const version = (b: Buffer): number => b.readInt16BE(0);
    expect(version(encodeConsumerSubscription({ topics: ['t'] }))).toBe(0);
    expect(
      version(encodeConsumerSubscription({ topics: ['t'], ownedPartitions: [{ topic: 't', partitions: [1] }] })),
    ).toBe(1);
    expect(version(encodeConsumerSubscription({ topics: ['t'], generationId: 3 }))).toBe(2);
    expect(version(encodeConsumerSubscription({ topics: ['t'], rackId: 'a' }))).toBe(3);
    const v2 = encodeConsumerSubscription({ version: 2, topics: ['t'] });
    expect(decodeConsumerSubscription(v2)).toMatchObject({ version: 2, generationId: -1, ownedPartitions: [] });
    expect(() => encodeConsumerSubscription({ version: 4, topics: [] })).toThrow(ProtocolEncodeError);
  });

  it('reads a newer version with the fields it knows and ignores what follows', () => {
    const v3 = encodeConsumerSubscription({ topics: ['x'], generationId: 7, rackId: 'rack-1' });
    const v9 = Buffer.concat([hex('0009'), v3.subarray(2), hex('deadbeef')]);
    expect(decodeConsumerSubscription(v9)).toEqual({
      version: 9,
      topics: ['x'],
      userData: null,
      ownedPartitions: [],
      generationId: 7,
      rackId: 'rack-1',
    });
  });

  it('throws ProtocolDecodeError on malformed bytes', () => {
    expect(() => decodeConsumerSubscription(hex('00'))).toThrow(ProtocolDecodeError);
    expect(() => decodeConsumerSubscription(hex('ffff 00000000 ffffffff'))).toThrow(ProtocolDecodeError);
    expect(() => decodeConsumerSubscription(hex('0000 7fffffff'))).toThrow(ProtocolDecodeError);
    expect(() => decodeConsumerSubscription(hex('0001 00000000 ffffffff'))).toThrow(ProtocolDecodeError);
  });
});

describe('consumer protocol assignment', () => {
  it('decodes what kafkajs assigns, and kafkajs decodes ours', () => {
    const bytes = AssignerProtocol.MemberAssignment.encode({
      version: 0,
      assignment: { a: [0, 2, 4], b: [1] },
      userData: Buffer.from('u'),
    });
    expect(decodeConsumerAssignment(bytes)).toEqual({
      version: 0,
      partitions: [
        { topic: 'a', partitions: [0, 2, 4] },
        { topic: 'b', partitions: [1] },
      ],
      userData: Buffer.from('u'),
    });
    const ours = encodeConsumerAssignment({ partitions: [{ topic: 'a', partitions: [3] }], userData: Buffer.alloc(0) });
    expect(ours).toEqual(
      AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { a: [3] }, userData: Buffer.alloc(0) }),
    );
    expect(AssignerProtocol.MemberAssignment.decode(ours)).toEqual({
      version: 0,
      assignment: { a: [3] },
      userData: Buffer.alloc(0),
    });
  });

  it('matches hand-derived bytes, keeps a null user data, and reads newer versions', () => {
    const v1 = hex('0001  00000001 0001 74 00000001 00000007  ffffffff');
    expect(encodeConsumerAssignment({ version: 1, partitions: [{ topic: 't', partitions: [7] }] })).toEqual(v1);
    expect(decodeConsumerAssignment(v1)).toEqual({
      version: 1,
      partitions: [{ topic: 't', partitions: [7] }],
      userData: null,
    });
    const v5 = Buffer.concat([hex('0005'), v1.subarray(2), hex('0102')]);
    expect(decodeConsumerAssignment(v5).version).toBe(5);
    expect(decodeConsumerAssignment(v5).partitions).toEqual([{ topic: 't', partitions: [7] }]);
  });

  it('throws ProtocolDecodeError on an empty or truncated assignment', () => {
    expect(() => decodeConsumerAssignment(Buffer.alloc(0))).toThrow(ProtocolDecodeError);
    expect(() => decodeConsumerAssignment(hex('0000 00000001 0001'))).toThrow(ProtocolDecodeError);
  });
});
