import { describe, expect, it } from 'vitest';
import {
  electControlledShutdownLeader,
  electOfflineLeader,
  electPreferredLeader,
  nextPartitionState,
  withoutReplica,
} from '../../../broker/controller/partition-leader-election.js';

const live =
  (...ids: number[]) =>
  (id: number) =>
    ids.includes(id);

describe('partition leader election', () => {
  it('offline: the first live ISR member in assignment order, the ISR keeping its live members', () => {
    expect(electOfflineLeader({ replicas: [1, 2, 3], isr: [3, 2, 1], isLive: live(2, 3) }, false)).toEqual({
      leader: 2,
      isr: [3, 2],
      unclean: false,
    });
  });

  it('offline: no live ISR member leaves the partition leaderless unless unclean election is allowed', () => {
    const input = { replicas: [1, 2, 3], isr: [1], isLive: live(3, 2) };
    expect(electOfflineLeader(input, false)).toBeNull();
    expect(electOfflineLeader(input, true)).toEqual({ leader: 2, isr: [2], unclean: true });
    expect(electOfflineLeader({ ...input, isLive: live() }, true)).toBeNull();
  });

  it('preferred: the first replica only if it is live and in the ISR, the ISR unchanged', () => {
    expect(electPreferredLeader({ replicas: [1, 2], isr: [2, 1], isLive: live(1, 2) })).toEqual({
      leader: 1,
      isr: [2, 1],
      unclean: false,
    });
    expect(electPreferredLeader({ replicas: [1, 2], isr: [2], isLive: live(1, 2) })).toBeNull();
    expect(electPreferredLeader({ replicas: [1, 2], isr: [2, 1], isLive: live(2) })).toBeNull();
  });

  it('controlled shutdown: another live ISR member leads, shutting-down brokers leave the ISR', () => {
    const isShuttingDown = (id: number) => id === 1;
    expect(
      electControlledShutdownLeader({ replicas: [1, 2, 3], isr: [1, 3, 2], isLive: live(2, 3), isShuttingDown }),
    ).toEqual({ leader: 2, isr: [3, 2], unclean: false });
    expect(electControlledShutdownLeader({ replicas: [1, 2], isr: [1], isLive: live(2), isShuttingDown })).toBeNull();
  });

  it('an offline replica leaves the ISR and the leadership, but the last ISR member stays', () => {
    expect(withoutReplica({ leader: 1, isr: [1, 2] }, 1)).toEqual({ leader: -1, isr: [2] });
    expect(withoutReplica({ leader: 1, isr: [1, 2] }, 2)).toEqual({ leader: 1, isr: [1] });
    expect(withoutReplica({ leader: 2, isr: [2] }, 2)).toEqual({ leader: -1, isr: [2] });
    expect(withoutReplica({ leader: 1, isr: [1] }, 3)).toBeNull();
  });

  it('every change bumps the leader epoch and records the deciding controller', () => {
    const current = { leader: 1, leaderEpoch: 4, isr: [1, 2], controllerEpoch: 2, leaderRecoveryState: 0 } as const;
    expect(nextPartitionState(current, { leader: 1, isr: [1] }, 3)).toEqual({
      leader: 1,
      leaderEpoch: 5,
      isr: [1],
      controllerEpoch: 3,
      leaderRecoveryState: 0,
    });
  });
});
