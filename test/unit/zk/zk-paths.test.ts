import { describe, expect, it } from 'vitest';
import {
  parseZkConnectString,
  PERSISTENT_ZK_PATHS,
  SequenceCreatePath,
  SequencePrefix,
  sequenceNumberOf,
  ZkError,
  ZkErrorCode,
  ZkPaths,
} from '../../../broker/zk/index.js';

describe('znode paths', () => {
  it('follow Kafka’s layout', () => {
    expect(ZkPaths.brokerId(3)).toBe('/brokers/ids/3');
    expect(ZkPaths.topic('orders')).toBe('/brokers/topics/orders');
    expect(ZkPaths.topicPartitionState('orders', 2)).toBe('/brokers/topics/orders/partitions/2/state');
    expect(ZkPaths.topicConfig('orders')).toBe('/config/topics/orders');
    expect(ZkPaths.deleteTopic('orders')).toBe('/admin/delete_topics/orders');
    expect(ZkPaths.configEntity('brokers', '1')).toBe('/config/brokers/1');
    expect(SequenceCreatePath.isrChange).toBe('/isr_change_notification/isr_change_');
    expect(SequenceCreatePath.configChange).toBe('/config/changes/config_change_');
  });

  it('list the persistent paths Kafka creates at start', () => {
    expect(PERSISTENT_ZK_PATHS).toEqual([
      '/consumers',
      '/brokers/ids',
      '/brokers/topics',
      '/config/changes',
      '/admin/delete_topics',
      '/brokers/seqid',
      '/isr_change_notification',
      '/latest_producer_id_block',
      '/log_dir_event_notification',
      '/config/topics',
      '/config/clients',
      '/config/users',
      '/config/brokers',
      '/config/ips',
    ]);
  });

  it('read the sequence number of a sequential znode', () => {
    expect(sequenceNumberOf('/isr_change_notification/isr_change_0000000042', SequencePrefix.isrChange)).toBe(
      '0000000042',
    );
    expect(sequenceNumberOf('config_change_0000000001', SequencePrefix.configChange)).toBe('0000000001');
  });
});

describe('zookeeper.connect', () => {
  it('splits servers from the chroot', () => {
    expect(parseZkConnectString('127.0.0.1:2181')).toEqual({ hosts: '127.0.0.1:2181', chroot: '' });
    expect(parseZkConnectString('a:1,b:2,c/kafka/prod')).toEqual({ hosts: 'a:1,b:2,c', chroot: '/kafka/prod' });
    expect(parseZkConnectString('zk:2181/')).toEqual({ hosts: 'zk:2181', chroot: '' });
    expect(parseZkConnectString(' [::1]:2181/samsa ')).toEqual({ hosts: '[::1]:2181', chroot: '/samsa' });
  });

  it.each([
    ['', /no ZooKeeper server/],
    ['/samsa', /no ZooKeeper server/],
    ['a:1,,b:2', /no ZooKeeper server/],
    ['zk:http', /bad server/],
    ['zk:70000', /bad port/],
    ['zk:2181/samsa/', /must not end with \//],
    ['zk:2181/a//b', /empty name/],
    ['zk:2181/a/../b', /\. or \.\./],
  ])('refuses %j', (text, reason) => {
    const parse = () => parseZkConnectString(text);
    expect(parse).toThrow(ZkError);
    expect(parse).toThrow(reason);
    try {
      parse();
    } catch (err) {
      expect((err as ZkError).code).toBe(ZkErrorCode.BAD_ARGUMENTS);
    }
  });
});
