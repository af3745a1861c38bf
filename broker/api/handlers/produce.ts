import type { Produce } from '../../../protocol/index.js';
import { ErrorCode, errorInfo, type ResponseInput } from '../../../protocol/index.js';
import type { AppendEntry, AppendResult, ReplicaManager } from '../../replica/replica-manager.js';
import { type ApiHandler, CloseConnection, NO_RESPONSE } from '../router.js';

/**
 * Versions served: 0-9 (protocol-surface.md: librdkafka enables its codecs only when the range includes 0).
 * Versions 0-2 are advertised but answered UNSUPPORTED_VERSION per partition, as Kafka 4 does (KAFKA-18659); from
 * v3 on, record data must be v2 batches, and legacy message sets get INVALID_RECORD.
 */
const FIRST_SERVED_VERSION = 3;
export const PRODUCE_RANGE = { min: 0, max: 9 };

type PartitionResponse = ResponseInput<typeof Produce>['responses'][number]['partitionResponses'][number];

const VALID_ACKS = new Set([-1, 0, 1]);
/** Byte 16 of a batch (or legacy message) is its magic. */
const MAGIC_OFFSET = 16;

/**
 * Produce: appends each partition's batches through the ReplicaManager (offsets assigned in request order per
 * partition, acks=all waiting for the ISR up to timeoutMs) and answers per partition. acks=0 gets no response;
 * if anything failed, the connection is closed instead, as Kafka does, since that is the only way the client
 * learns of it.
 */
export function produceHandler(replicaManager: ReplicaManager): ApiHandler<typeof Produce> {
  return async ({ header, body }) => {
    const acks = body.acks;
    const unsupported = header.apiVersion < FIRST_SERVED_VERSION;
    const results = new Map<string, PartitionResponse>();
    const entries: AppendEntry[] = [];
    for (const topic of body.topicData) {
      for (const p of topic.partitionData) {
        const rejected = unsupported
          ? ErrorCode.UNSUPPORTED_VERSION
          : !VALID_ACKS.has(acks)
            ? ErrorCode.INVALID_REQUIRED_ACKS
            : p.records === null || p.records.length <= MAGIC_OFFSET || p.records[MAGIC_OFFSET] !== 2
              ? ErrorCode.INVALID_RECORD
              : null;
        if (rejected !== null) results.set(key(topic.name, p.index), failed(p.index, rejected));
        else entries.push({ topic: topic.name, partition: p.index, records: p.records! });
      }
    }
    if (entries.length > 0) {
      const appended = await replicaManager.appendRecords(entries, {
        requiredAcks: acks as -1 | 0 | 1,
        timeoutMs: body.timeoutMs,
      });
      for (const r of appended) results.set(key(r.topic, r.partition), partitionResponse(r));
    }
    if (acks === 0) {
      const failures = [...results.values()].filter((r) => r.errorCode !== ErrorCode.NONE);
      return failures.length === 0
        ? NO_RESPONSE
        : new CloseConnection(`acks=0 produce failed: ${errorInfo(failures[0]!.errorCode).name}`);
    }
    return {
      responses: body.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((p) => results.get(key(topic.name, p.index))!),
      })),
      throttleTimeMs: 0,
    };
  };
}

const key = (topic: string, partition: number): string => `${partition}:${topic}`;

function failed(index: number, errorCode: ErrorCode): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: null,
  };
}

function partitionResponse(r: AppendResult): PartitionResponse {
  return {
    index: r.partition,
    errorCode: r.errorCode,
    baseOffset: r.baseOffset,
    logAppendTimeMs: r.logAppendTimeMs,
    logStartOffset: r.logStartOffset,
    recordErrors: [],
    errorMessage: r.errorMessage,
  };
}
