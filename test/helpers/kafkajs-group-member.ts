import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import type { DeliverySink } from './consume-tracker.js';

export interface KafkajsMemberOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  /** The consumer's name in the tracker and in failure messages. */
  name: string;
  tracker?: DeliverySink;
  /** Read from the beginning when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /** Consumer settings over the short-session defaults below. */
  config?: Partial<ConsumerConfig>;
  /** Called for every record delivered, before its commit (e.g. to stall a member). */
  onRecord?: (topic: string, partition: number, offset: number) => Promise<void> | void;
  /** Called on every GROUP_JOIN. */
  onJoin?: (join: KafkajsJoin) => void;
}

/** One kafkajs GROUP_JOIN event: who leads and what this member was given. */
export interface KafkajsJoin {
  memberId: string;
  leaderId: string;
  isLeader: boolean;
  groupProtocol: string;
  memberAssignment: Record<string, number[]>;
}

/**
 * A kafkajs group consumer that commits each record's next offset right after delivering it (autoCommit off), so
 * that the only record a rebalance may repeat is the one whose commit was refused. Short sessions and fetch waits
 * by default: a kafkajs consumer heartbeats between fetches, so a fetch wait longer than the session would expire
 * it.
 */
export class KafkajsGroupMember {
  readonly name: string;
  readonly consumer: Consumer;
  readonly joins: KafkajsJoin[] = [];
  /** Commits that failed (typically REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION around a rebalance). */
  readonly failedCommits: string[] = [];
  /** Fetch cycles completed (kafkajs' FETCH event), to know that no fetch from before a join is still in flight. */
  fetches = 0;

  private constructor(
    options: KafkajsMemberOptions,
    readonly topics: readonly string[],
  ) {
    this.name = options.name;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 6000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
      // few, quick retries: a commit refused by a rebalance is retried before the member may rejoin
      retry: { retries: 4, initialRetryTime: 50, maxRetryTime: 400 },
      ...options.config,
    });
    this.consumer.on(this.consumer.events.FETCH, () => this.fetches++);
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const join = event.payload as unknown as KafkajsJoin;
      this.joins.push(join);
      options.onJoin?.(join);
    });
  }

  /** Connects, subscribes and runs the consumer; resolves once it is running (not once it has joined). */
  static async start(options: KafkajsMemberOptions): Promise<KafkajsGroupMember> {
    const member = new KafkajsGroupMember(options, options.topics);
    const { consumer } = member;
    await consumer.connect();
    for (const topic of options.topics)
      await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const offset = Number(message.offset);
        options.tracker?.delivered(member.name, topic, partition, offset);
        await options.onRecord?.(topic, partition, offset);
        try {
          await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
        } catch (err) {
          member.failedCommits.push(`${topic}/${partition}@${offset + 1}: ${(err as Error).message}`);
          // kafkajs rejoins when the protocol error itself (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION) leaves
          // eachMessage, but crashes on the retry wrapper around it; the record comes again from the last commit
          throw (err as { cause?: unknown }).cause ?? err;
        }
        options.tracker?.committed(topic, partition, offset + 1);
      },
    });
    return member;
  }

  /** The assignment of the latest join, for `topic`, sorted. */
  partitions(topic: string): number[] {
    const last = this.joins.at(-1);
    return [...(last?.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  }

  /** Leaves the group (LeaveGroup) and closes. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
