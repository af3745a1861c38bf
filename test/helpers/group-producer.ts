import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';

/**
 * The data side of the group tests: a kafkajs producer that writes records to chosen partitions (so every
 * partition has data), can keep producing in the background while members come and go, and reads each
 * partition's end offset (what "everything" means when checking that nothing was skipped).
 */
export class GroupProducer {
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #admin: Admin;
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** Records acknowledged by the background loop so far. */
  loopRecords = 0;

  private constructor(bootstrap: string) {
    this.#kafka = new Kafka({ clientId: 'group-producer', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    this.#producer = this.#kafka.producer({ allowAutoTopicCreation: false });
    this.#admin = this.#kafka.admin();
  }

  static async connect(bootstrap: string): Promise<GroupProducer> {
    const producer = new GroupProducer(bootstrap);
    await producer.#producer.connect();
    await producer.#admin.connect();
    return producer;
  }

  /** Sends `perPartition` records to each of `partitions` partitions of `topic`, in one acks=1 request. */
  async sendEvenly(topic: string, partitions: number, perPartition: number, tag = 'r'): Promise<void> {
    const messages = [];
    for (let i = 0; i < perPartition; i++)
      for (let partition = 0; partition < partitions; partition++)
        messages.push({ partition, key: `${tag}-${partition}-${i}`, value: `${tag} ${partition} ${i}` });
    await this.#producer.send({ topic, acks: 1, messages });
  }

  /** Keeps sending one record per partition every 25 ms until stopLoop(). */
  startLoop(topic: string, partitions: number): void {
    this.#stopping = false;
    this.#loop = (async () => {
      for (let round = 0; !this.#stopping; round++) {
        await this.sendEvenly(topic, partitions, 1, `loop${round}`);
        this.loopRecords += partitions;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
  }

  async stopLoop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    this.#loop = undefined;
  }

  /** The end offset (high watermark) of each partition of `topic`, indexed by partition. */
  async endOffsets(topic: string): Promise<number[]> {
    const offsets = await this.#admin.fetchTopicOffsets(topic);
    const ends: number[] = [];
    for (const { partition, high } of offsets) ends[partition] = Number(high);
    return ends;
  }

  /** The group's committed offsets for `topic`, indexed by partition (-1 where none). */
  async committed(groupId: string, topic: string): Promise<number[]> {
    const [entry] = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
    const offsets: number[] = [];
    for (const { partition, offset } of entry?.partitions ?? []) offsets[partition] = Number(offset);
    return offsets;
  }

  get admin(): Admin {
    return this.#admin;
  }

  async close(): Promise<void> {
    await this.stopLoop();
    await this.#producer.disconnect();
    await this.#admin.disconnect();
  }
}
