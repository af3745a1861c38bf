/**
 * A group consumer in its own process, so that a test can SIGKILL it (no LeaveGroup, no more heartbeats): run by
 * ChildGroupMember (child-group-member.ts) with one JSON argument (ChildMemberSpec). It writes one JSON line per
 * event on stdout: `join` (generation when the client reports it, member id, assignment), `record`, `commit` (a
 * commit the broker acknowledged) and `ready`.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { ChildMemberSpec } from './child-group-member.js';
import type { DeliverySink } from './consume-tracker.js';
import { KafkajsGroupMember } from './kafkajs-group-member.js';
import { PlatformaticGroupMember } from './platformatic-group-member.js';

const spec = JSON.parse(process.argv[2]!) as ChildMemberSpec;
const emit = (event: object): void => void process.stdout.write(JSON.stringify(event) + '\n');
const tracker: DeliverySink = {
  delivered: (_consumer, topic, partition, offset) => emit({ type: 'record', topic, partition, offset }),
  committed: (topic, partition, offset) => emit({ type: 'commit', topic, partition, offset }),
};
const common = { groupId: spec.groupId, topics: spec.topics, name: spec.name, tracker };

if (spec.client === 'kafkajs') {
  await KafkajsGroupMember.start({
    ...common,
    kafka: new Kafka({ clientId: spec.name, brokers: [spec.bootstrap], logLevel: logLevel.NOTHING }),
    config: { sessionTimeout: spec.sessionTimeout },
    onJoin: (join) => emit({ type: 'join', memberId: join.memberId, assignment: join.memberAssignment }),
  });
} else {
  await PlatformaticGroupMember.start({
    ...common,
    bootstrap: spec.bootstrap,
    sessionTimeout: spec.sessionTimeout,
    ...(spec.groupInstanceId === undefined ? {} : { groupInstanceId: spec.groupInstanceId }),
    onJoin: (join) =>
      emit({
        type: 'join',
        memberId: join.memberId,
        generationId: join.generationId,
        assignment: Object.fromEntries(join.assignments.map((a) => [a.topic, a.partitions])),
      }),
  });
}
emit({ type: 'ready' });
