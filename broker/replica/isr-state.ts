/**
 * A leader's view of its ISR (Kafka's PartitionState, KIP-497): committed, or with one change proposed to the
 * PartitionStateWriter and not yet answered.
 *
 * - committed: `isr` is what the controller's state holds.
 * - pending-expand: a caught-up follower is being added. `maximalIsr` already counts it, so the high watermark waits
 *   for it as if the write had succeeded; if the write fails, waiting for one more replica was only stricter.
 * - pending-shrink: lagging followers are being removed. `maximalIsr` still counts them: dropping them before the
 *   write succeeds could move the high watermark past what the committed ISR holds.
 *
 * While a change is pending no other is proposed (one write at a time per partition).
 */
export interface IsrState {
  readonly kind: 'committed' | 'pending-expand' | 'pending-shrink';
  /** The last committed ISR. */
  readonly isr: readonly number[];
  /** The replicas the high watermark and acks=all wait for. */
  readonly maximalIsr: readonly number[];
  /** The ISR sent to the writer (equals `isr` when committed). */
  readonly proposed: readonly number[];
}

export function committedIsr(isr: readonly number[]): IsrState {
  return { kind: 'committed', isr, maximalIsr: isr, proposed: isr };
}

export function pendingExpand(current: IsrState, replicaId: number): IsrState {
  const proposed = [...current.isr, replicaId];
  return { kind: 'pending-expand', isr: current.isr, maximalIsr: proposed, proposed };
}

export function pendingShrink(current: IsrState, outOfSync: readonly number[]): IsrState {
  const proposed = current.isr.filter((id) => !outOfSync.includes(id));
  return { kind: 'pending-shrink', isr: current.isr, maximalIsr: current.isr, proposed };
}
