import { Reader } from './primitives/reader.js';
import { ProtocolDecodeError, ProtocolEncodeError } from './protocol-error.js';
import { messageCodec } from './schema/compile.js';
import { api, array, bytes, int32, string } from './schema/dsl.js';

/**
 * The consumer protocol (protocol type "consumer"): what consumers put in JoinGroup's member metadata and
 * SyncGroup's assignments. The broker passes these bytes through untouched; it decodes them only to describe
 * groups (DescribeGroups, the admin view) and to list the topics a group subscribes to.
 *
 * Wire form: an int16 version, then the fields of that version (non-flexible). Kafka's rule for newer versions is
 * that they only append fields, so a decoder reads a version above the highest it knows with the highest it knows
 * and ignores the rest (ConsumerProtocol.deserializeSubscription does the same). A negative version is malformed.
 */

/** Highest versions known here: v3 added rackId (KIP-881) to the subscription; the assignment only bumped. */
export const CONSUMER_SUBSCRIPTION_MAX_VERSION = 3;
export const CONSUMER_ASSIGNMENT_MAX_VERSION = 3;

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerSubscription {
  /** The version on the wire (may be above CONSUMER_SUBSCRIPTION_MAX_VERSION). */
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+ (KIP-429): the partitions the member owns; empty below v1. */
  ownedPartitions: TopicPartitions[];
  /** v2+: the generation the owned partitions belong to; -1 below v2. */
  generationId: number;
  /** v3+ (KIP-881); null below v3. */
  rackId: string | null;
}

export interface ConsumerAssignment {
  /** The version on the wire (may be above CONSUMER_ASSIGNMENT_MAX_VERSION). */
  version: number;
  partitions: TopicPartitions[];
  userData: Buffer | null;
}

export type ConsumerSubscriptionInput = Partial<Omit<ConsumerSubscription, 'topics'>> &
  Pick<ConsumerSubscription, 'topics'>;
export type ConsumerAssignmentInput = Partial<Omit<ConsumerAssignment, 'partitions'>> &
  Pick<ConsumerAssignment, 'partitions'>;

const topicPartition = { topic: string(), partitions: array(int32()) };

/** ConsumerProtocolSubscription, declared as data with the API DSL (no API key: only `request` is used). */
const Subscription = api({
  key: -1,
  name: 'ConsumerProtocolSubscription',
  minVersion: 0,
  maxVersion: CONSUMER_SUBSCRIPTION_MAX_VERSION,
  flexibleSince: null,
  request: {
    topics: array(string()),
    userData: bytes({ nullable: true, default: null }),
    ownedPartitions: array(topicPartition, { since: 1 }),
    generationId: int32({ since: 2, default: -1 }),
    rackId: string({ since: 3, nullable: true, default: null }),
  },
  response: {},
});

/** ConsumerProtocolAssignment, as data like Subscription. */
const Assignment = api({
  key: -1,
  name: 'ConsumerProtocolAssignment',
  minVersion: 0,
  maxVersion: CONSUMER_ASSIGNMENT_MAX_VERSION,
  flexibleSince: null,
  request: {
    assignedPartitions: array(topicPartition),
    userData: bytes({ nullable: true, default: null }),
  },
  response: {},
});

function readVersion(r: Reader, what: string): number {
  const version = r.int16();
  if (version < 0) throw new ProtocolDecodeError(`unsupported ${what} version ${version}`);
  return version;
}

function encodeVersioned(version: number, body: Buffer[]): Buffer {
  const prefix = Buffer.allocUnsafe(2);
  prefix.writeInt16BE(version);
  return Buffer.concat([prefix, ...body]);
}

function checkVersion(version: number, max: number, what: string): void {
  if (!Number.isInteger(version) || version < 0 || version > max) {
    throw new ProtocolEncodeError(`cannot encode ${what} version ${version} (known: 0-${max})`);
  }
}

/** Decodes a member's subscription; malformed bytes throw ProtocolDecodeError. Byte fields are views of `buf`. */
export function decodeConsumerSubscription(buf: Buffer): ConsumerSubscription {
  const r = new Reader(buf);
  const version = readVersion(r, 'consumer subscription');
  const body = messageCodec(Subscription, Math.min(version, CONSUMER_SUBSCRIPTION_MAX_VERSION), 'request').read(r);
  return { version, ...body };
}

/**
 * Decodes a member's assignment; malformed bytes throw ProtocolDecodeError. An empty buffer (what a member gets
 * before any assignment) is malformed too: callers check for it first.
 */
export function decodeConsumerAssignment(buf: Buffer): ConsumerAssignment {
  const r = new Reader(buf);
  const version = readVersion(r, 'consumer assignment');
  const body = messageCodec(Assignment, Math.min(version, CONSUMER_ASSIGNMENT_MAX_VERSION), 'request').read(r);
  return { version, partitions: body.assignedPartitions, userData: body.userData };
}

/**
 * Encodes a subscription. Without a version, the lowest one that carries every given field: 3 with a rackId,
 * 2 with a generationId other than -1, 1 with owned partitions, else 0. Fields the version lacks are dropped.
 */
export function encodeConsumerSubscription(sub: ConsumerSubscriptionInput): Buffer {
  const version =
    sub.version ??
    (sub.rackId != null
      ? 3
      : sub.generationId !== undefined && sub.generationId !== -1
        ? 2
        : (sub.ownedPartitions?.length ?? 0) > 0
          ? 1
          : 0);
  checkVersion(version, CONSUMER_SUBSCRIPTION_MAX_VERSION, 'consumer subscription');
  const body = messageCodec(Subscription, version, 'request').encode({
    topics: sub.topics,
    userData: sub.userData ?? null,
    ownedPartitions: sub.ownedPartitions ?? [],
    generationId: sub.generationId ?? -1,
    rackId: sub.rackId ?? null,
  });
  return encodeVersioned(version, body);
}

/** Encodes an assignment (version 0 unless given). */
export function encodeConsumerAssignment(assignment: ConsumerAssignmentInput): Buffer {
  const version = assignment.version ?? 0;
  checkVersion(version, CONSUMER_ASSIGNMENT_MAX_VERSION, 'consumer assignment');
  const body = messageCodec(Assignment, version, 'request').encode({
    assignedPartitions: assignment.partitions,
    userData: assignment.userData ?? null,
  });
  return encodeVersioned(version, body);
}
