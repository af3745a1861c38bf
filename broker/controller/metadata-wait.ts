import { ErrorCode, KafkaError, ZERO_UUID } from '../../protocol/index.js';
import type { MetadataCache, MetadataSnapshot } from '../metadata/metadata-cache.js';

/** A state of the cluster an admin request waits to see in this broker's metadata. */
export type MetadataCondition = (snapshot: MetadataSnapshot) => boolean;

/** One committed change of a request, at `index` among its results, and what shows it took effect. */
export interface PendingChange {
  readonly index: number;
  readonly done: MetadataCondition;
  /** For the timeout's message: "leaders for the partitions of topic t". */
  readonly what: string;
}

/**
 * How often the metadata is looked at while waiting. The cache has no change events; UpdateMetadata arrives a
 * few times per admin change, so a short poll costs little and adds at most this much to an answer.
 */
const POLL_MS = 20;

/**
 * Waits until every pending change shows in `cache`, for at most `timeoutMs` (≤ 0: not at all) or until
 * `abandoned()`, as Kafka's DelayedCreatePartitions and DelayedDeleteTopics complete on UpdateMetadata or expire.
 * The results of changes that did not show become `fail(result, REQUEST_TIMED_OUT)` (the change goes on); no
 * timeout: the results stand as they are.
 */
export async function awaitChanges<R>(
  cache: MetadataCache,
  results: R[],
  pending: readonly PendingChange[],
  options: {
    readonly timeoutMs: number | undefined;
    readonly abandoned: () => boolean;
    readonly fail: (result: R, err: KafkaError) => R;
  },
): Promise<R[]> {
  const { timeoutMs, abandoned, fail } = options;
  if (timeoutMs === undefined || pending.length === 0) return results;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = cache.snapshot();
    const unmet = pending.filter((p) => !p.done(snapshot));
    const left = deadline - Date.now();
    if (unmet.length === 0 || left <= 0 || abandoned()) {
      for (const p of unmet) {
        const message = `Timed out waiting for ${p.what}; the change is still going on.`;
        results[p.index] = fail(results[p.index]!, new KafkaError(ErrorCode.REQUEST_TIMED_OUT, message));
      }
      return results;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
}

/** Every partition 0..count-1 of the topic with this id has a leader. */
export function partitionsLed(name: string, topicId: string, count: number): MetadataCondition {
  return (snapshot) => {
    const topic = snapshot.topic(name);
    if (topic === undefined || topic.topicId !== topicId || topic.partitions.length < count) return false;
    return topic.partitions.slice(0, count).every((p) => p.leader >= 0);
  };
}

/** The topic with this id (or, for the zero id, of this name) is gone. */
export function topicGone(name: string, topicId: string): MetadataCondition {
  return (snapshot) => {
    const topic = snapshot.topic(name);
    return topic === undefined || (topicId !== ZERO_UUID && topic.topicId !== topicId);
  };
}
