import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../storage/errors.js';
import {
  DEFAULT_LOG_CONFIG,
  isLogConfigKey,
  LOG_CONFIG_KEYS,
  logConfigFrom,
  logConfigToProperties,
} from '../../../storage/log-config.js';

function invalid(overrides: Record<string, string>): InvalidConfigError {
  try {
    logConfigFrom(overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return err as InvalidConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`);
}

describe('LogConfig', () => {
  it("has Kafka's topic-level defaults", () => {
    const c = DEFAULT_LOG_CONFIG;
    expect(c.segmentBytes).toBe(1073741824);
    expect(c.segmentMs).toBe(604800000);
    expect(c.segmentJitterMs).toBe(0);
    expect(c.segmentIndexBytes).toBe(10485760);
    expect(c.indexIntervalBytes).toBe(4096);
    expect(c.retentionMs).toBe(604800000);
    expect(c.retentionBytes).toBe(-1);
    expect(c.cleanupPolicy).toEqual(['delete']);
    expect([c.delete, c.compact]).toEqual([true, false]);
    expect(c.minCleanableDirtyRatio).toBe(0.5);
    expect(c.deleteRetentionMs).toBe(86400000);
    expect(c.minCompactionLagMs).toBe(0);
    expect(c.maxCompactionLagMs).toBe(Infinity);
    expect(c.flushMessages).toBe(Infinity);
    expect(c.flushMs).toBe(Infinity);
    expect(c.messageTimestampType).toBe('CreateTime');
    expect(c.maxMessageBytes).toBe(1048588);
    expect(c.fileDeleteDelayMs).toBe(60000);
    expect(c.preallocate).toBe(false);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('parses overrides by Kafka name on top of a base', () => {
    const c = logConfigFrom({
      'segment.bytes': '1048576',
      'cleanup.policy': 'compact, delete',
      'retention.ms': '-1',
      'flush.messages': '1',
      'max.compaction.lag.ms': '9223372036854775807',
      'min.cleanable.dirty.ratio': '0.1',
      'message.timestamp.type': 'LogAppendTime',
      preallocate: 'TRUE',
    });
    expect(c.segmentBytes).toBe(1048576);
    expect(c.cleanupPolicy).toEqual(['compact', 'delete']);
    expect([c.compact, c.delete]).toEqual([true, true]);
    expect(c.retentionMs).toBe(-1);
    expect(c.flushMessages).toBe(1);
    expect(c.maxCompactionLagMs).toBe(Infinity);
    expect(c.minCleanableDirtyRatio).toBe(0.1);
    expect(c.messageTimestampType).toBe('LogAppendTime');
    expect(c.preallocate).toBe(true);
    const layered = logConfigFrom({ 'retention.bytes': '100' }, c);
    expect(layered.segmentBytes).toBe(1048576);
    expect(layered.retentionBytes).toBe(100);
    expect(logConfigFrom({ 'cleanup.policy': 'compact' }).delete).toBe(false);
  });

  it('rejects unknown keys and bad values, naming the key', () => {
    expect(invalid({ 'segment.byte': '1' }).key).toBe('segment.byte');
    expect(invalid({ 'segment.bytes': '13' }).message).toMatch(/segment\.bytes.*at least 14/);
    expect(invalid({ 'segment.bytes': '2147483648' }).key).toBe('segment.bytes');
    expect(invalid({ 'segment.ms': 'soon' }).key).toBe('segment.ms');
    expect(invalid({ 'retention.ms': '-2' }).key).toBe('retention.ms');
    expect(invalid({ 'cleanup.policy': 'compact,archive' }).key).toBe('cleanup.policy');
    expect(invalid({ 'cleanup.policy': '' }).key).toBe('cleanup.policy');
    expect(invalid({ 'min.cleanable.dirty.ratio': '1.5' }).key).toBe('min.cleanable.dirty.ratio');
    expect(invalid({ 'message.timestamp.type': 'create' }).key).toBe('message.timestamp.type');
    expect(invalid({ preallocate: 'yes' }).key).toBe('preallocate');
    expect(invalid({ 'flush.messages': '0' }).key).toBe('flush.messages');
    expect(invalid({ 'retention.bytes': '99999999999999999999' }).key).toBe('retention.bytes');
    expect(invalid({ 'min.compaction.lag.ms': '1000', 'max.compaction.lag.ms': '10' }).key).toBe(
      'max.compaction.lag.ms',
    );
  });

  it('lists every key with its default as Kafka prints it, and round-trips through properties', () => {
    const byName = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));
    expect(byName.get('segment.bytes')?.defaultValue).toBe('1073741824');
    expect(byName.get('flush.ms')?.defaultValue).toBe('9223372036854775807');
    expect(byName.get('cleanup.policy')?.defaultValue).toBe('delete');
    expect(byName.get('retention.bytes')?.type).toBe('long');
    expect(isLogConfigKey('retention.ms')).toBe(true);
    expect(isLogConfigKey('log.retention.ms')).toBe(false);
    const custom = logConfigFrom({ 'cleanup.policy': 'compact', 'segment.ms': '1000' });
    const props = logConfigToProperties(custom);
    expect(props['cleanup.policy']).toBe('compact');
    expect(props['max.compaction.lag.ms']).toBe('9223372036854775807');
    expect(logConfigFrom(props)).toEqual(custom);
    expect(Object.keys(props).sort()).toEqual(LOG_CONFIG_KEYS.map((k) => k.name).sort());
  });
});
