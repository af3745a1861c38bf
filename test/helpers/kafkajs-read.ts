import type { Kafka } from 'kafkajs';
import { waitFor } from './broker-process.js';

/**
 * Reads `topic` from the beginning (or the group's committed offsets) as member of `groupId` until `count` values
 * arrived, then leaves the group, which commits what was read. Values in arrival order.
 */
export async function readValues(
  kafka: Kafka,
  { groupId, topic, count, timeoutMs = 30_000 }: { groupId: string; topic: string; count: number; timeoutMs?: number },
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        seen.push(message.value!.toString());
        return Promise.resolve();
      },
    });
    await waitFor(
      () => seen.length >= count,
      timeoutMs,
      () => `${count} values of ${topic}, have ${seen.length}`,
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
