import { describe, expect, it } from 'vitest';
import { MockClock, SystemClock } from '../../../storage/clock.js';

describe('clocks', () => {
  it('MockClock moves only when advanced', () => {
    const clock = new MockClock(1000);
    expect(clock.nowMs()).toBe(1000);
    clock.advance(250);
    expect(clock.nowMs()).toBe(1250);
  });

  it('SystemClock reads the wall clock', () => {
    const before = Date.now();
    const now = new SystemClock().nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
