/** A leader's proposed change of its partition's ISR, conditional on the partition epoch it last saw. */
export interface AlterIsrChange {
  readonly topic: string;
  readonly partition: number;
  /** This broker, the leader proposing the change. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** The epoch of the controller that decided the current leadership, written back unchanged. */
  readonly controllerEpoch: number;
  /** The partition epoch (ZooKeeper's zkVersion of the state) the change is based on. */
  readonly partitionEpoch: number;
}

/**
 * How a leader commits ISR changes (Kafka's AlterPartitionManager seam). In ZooKeeper mode a conditional write of
 * the partition state znode plus an ISR change notification for the controller; none on a single node, where the
 * ISR never changes. One write at a time per partition: the partition waits for the answer before proposing again.
 */
export interface PartitionStateWriter {
  /**
   * Conditional write of leader/ISR state; resolves the new partition epoch (zkVersion), or null when ours is
   * stale (someone else, the controller, changed the state since). Rejects on a failure to reach the store; the
   * partition retries the same change later.
   */
  alterIsr(change: AlterIsrChange): Promise<number | null>;
}
