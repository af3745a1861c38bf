import { ErrorCode } from '../../protocol/index.js';
import type { Partition } from './partition.js';

/**
 * An acks=all produce waiting for the ISR (Kafka's DelayedProduce, without a purgatory: each wait holds its own
 * subscription). Resolves with the partition's answer (Partition.checkEnoughReplicasReachOffset) as soon as it has
 * one, re-checked on every change notification, or REQUEST_TIMED_OUT after timeoutMs. The timer is unref'ed and,
 * with the subscription, removed on completion.
 */
export function awaitReplication(
  partition: Partition,
  requiredOffset: number,
  minInsync: number,
  timeoutMs: number,
): Promise<ErrorCode> {
  const first = partition.checkEnoughReplicasReachOffset(requiredOffset, minInsync);
  if (first !== undefined) return Promise.resolve(first);
  return new Promise((resolve) => {
    const done = (code: ErrorCode): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve(code);
    };
    const timer = setTimeout(() => done(ErrorCode.REQUEST_TIMED_OUT), Math.max(0, timeoutMs));
    timer.unref();
    const unsubscribe = partition.onChange(() => {
      const code = partition.checkEnoughReplicasReachOffset(requiredOffset, minInsync);
      if (code !== undefined) done(code);
    });
  });
}
