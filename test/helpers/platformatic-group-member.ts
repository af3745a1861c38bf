import { Consumer, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { DeliverySink } from './consume-tracker.js';

export interface PlatformaticMemberOptions {
  bootstrap: string;
  groupId: string;
  topics: readonly string[];
  /** The consumer's name in the tracker and in failure messages (also its client id). */
  name: string;
  tracker?: DeliverySink;
  /** Static membership (KIP-345). */
  groupInstanceId?: string;
  sessionTimeout?: number;
  /** Called on every join. */
  onJoin?: (join: PlatformaticJoin) => void;
}

/** One `consumer:group:join` event: platformatic reports the generation it joined. */
export interface PlatformaticJoin {
  memberId: string;
  generationId: number;
  isLeader: boolean;
  assignments: { topic: string; partitions: number[] }[];
}

/**
 * A @platformatic/kafka group consumer (JoinGroup 6+, flexible versions only) that commits each record's next
 * offset right after delivering it, and records the generation and assignment of every join.
 */
export class PlatformaticGroupMember {
  readonly name: string;
  readonly consumer: Consumer<string, string, string, string>;
  readonly joins: PlatformaticJoin[] = [];
  /** Rebalances the client noticed (a heartbeat or commit answered REBALANCE_IN_PROGRESS and it rejoined). */
  rebalances = 0;
  readonly failedCommits: string[] = [];
  /**
   * Fetch responses the stream has handled. platformatic delivers whatever an in-flight fetch returns, even for
   * partitions a rebalance has just taken away, so a test waits for two more fetches after a join before
   * producing (the second one was sent under the new assignment).
   */
  fetches = 0;
  #stream: MessagesStream<string, string, string, string> | undefined;

  private constructor(options: PlatformaticMemberOptions) {
    this.name = options.name;
    this.consumer = new Consumer({
      clientId: options.name,
      groupId: options.groupId,
      bootstrapBrokers: [options.bootstrap],
      deserializers: stringDeserializers,
      autocommit: false,
      sessionTimeout: options.sessionTimeout ?? 6000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 300,
      maxWaitTime: 100,
      retries: 20,
      retryDelay: 100,
      ...(options.groupInstanceId === undefined ? {} : { groupInstanceId: options.groupInstanceId }),
    });
    this.consumer.on('consumer:group:join', (join: PlatformaticJoin) => {
      this.joins.push(join);
      options.onJoin?.(join);
    });
    this.consumer.on('consumer:group:rebalance', () => this.rebalances++);
  }

  /** Creates the consumer and starts its stream from the committed offsets (earliest when there are none). */
  static async start(options: PlatformaticMemberOptions): Promise<PlatformaticGroupMember> {
    const member = new PlatformaticGroupMember(options);
    const stream = await member.consumer.consume({
      topics: [...options.topics],
      mode: 'committed',
      fallbackMode: 'earliest',
    });
    member.#stream = stream;
    stream.on('data', (message: Message<string, string, string, string>) => {
      const { topic, partition } = message;
      const offset = Number(message.offset);
      options.tracker?.delivered(member.name, topic, partition, offset);
      // the stream does not wait for a handler; commits run in the background, each recorded once acknowledged
      Promise.resolve(message.commit()).then(
        () => options.tracker?.committed(topic, partition, offset + 1),
        (err: Error) => member.failedCommits.push(`${topic}/${partition}@${offset + 1}: ${err.message}`),
      );
    });
    stream.on('fetch', () => member.fetches++);
    stream.on('error', () => undefined);
    return member;
  }

  /** The assignment of the latest join, for `topic`, sorted. */
  partitions(topic: string): number[] {
    const last = this.joins.at(-1);
    const entry = last?.assignments.find((a) => a.topic === topic);
    return [...(entry?.partitions ?? [])].sort((a, b) => a - b);
  }

  /** Closes the stream and the consumer (which leaves the group). */
  async stop(): Promise<void> {
    const stream = this.#stream;
    if (stream !== undefined) await new Promise<void>((resolve) => stream.close(() => resolve()));
    await new Promise<void>((resolve, reject) =>
      this.consumer.close(true, (error) => (error ? reject(error) : resolve())),
    );
  }
}
