import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's own record batch, message set and codec code (CommonJS sources without an exports map), used as
 * an independent encoder/decoder to check ours against.
 */
const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  buffer: Buffer;
}
type KafkajsDecoderClass = new (buf: Buffer) => object;

export interface KafkajsRecordInput {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: { [key: string]: Buffer | string };
}

export interface KafkajsBatchInput {
  compression?: number;
  firstOffset?: number;
  firstTimestamp: number;
  maxTimestamp: number;
  partitionLeaderEpoch?: number;
  lastOffsetDelta: number;
  transactional?: boolean;
  producerId?: number;
  producerEpoch?: number;
  firstSequence?: number;
  records: object[];
}

export interface KafkajsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: { [key: string]: Buffer | Buffer[] };
  isControlRecord: boolean;
}

export interface KafkajsDecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  timestampType: number;
  records: KafkajsDecodedRecord[];
}

const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: KafkajsRecordInput) => object;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (b: KafkajsBatchInput) => Promise<KafkajsEncoder>;
};
const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  d: object,
) => Promise<KafkajsDecodedBatch>;
const Decoder = require('kafkajs/src/protocol/decoder') as KafkajsDecoderClass;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (
  d: object,
) => Promise<KafkajsDecodedRecord[]>;
const MessageSet = require('kafkajs/src/protocol/messageSet') as (args: {
  messageVersion: number;
  compression: number;
  entries: { key: string | null; value: string | null; timestamp?: number }[];
}) => KafkajsEncoder;

export const kafkajsGzip = require('kafkajs/src/protocol/message/compression/gzip') as {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
  decompress(buf: Buffer): Promise<Buffer>;
};

export function kafkajsRecord(r: KafkajsRecordInput): object {
  return Record(r);
}

export async function kafkajsEncodeBatch(b: KafkajsBatchInput): Promise<Buffer> {
  return (await RecordBatch(b)).buffer;
}

export function kafkajsDecodeBatch(buf: Buffer): Promise<KafkajsDecodedBatch> {
  return RecordBatchDecoder(new Decoder(buf));
}

/** kafkajs' Fetch v4 record-set reader: int32 size prefix, then batches; a partial trailing batch is skipped. */
export function kafkajsDecodeRecordSet(records: Buffer): Promise<KafkajsDecodedRecord[]> {
  const framed = Buffer.alloc(4 + records.length);
  framed.writeInt32BE(records.length, 0);
  records.copy(framed, 4);
  return decodeMessages(new Decoder(framed));
}

/** An uncompressed legacy message set as kafkajs' producer writes it (offsets -1). */
export function kafkajsMessageSet(
  messageVersion: 0 | 1,
  entries: { key: string | null; value: string | null; timestamp?: number }[],
): Buffer {
  return MessageSet({ messageVersion, compression: 0, entries }).buffer;
}
