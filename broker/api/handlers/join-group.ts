import type { JoinGroup } from '../../../protocol/index.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-9 (kafka-python sends 2, kafkajs and librdkafka 5, Java 7-9, platformatic 9). */
export const JOIN_GROUP_RANGE = { min: 0, max: 9 };

/**
 * JoinGroup: parks until the group's join phase completes (or answers at once with an error). v0 has no
 * rebalance timeout and uses the session timeout, as Kafka does; v4+ dynamic members first get
 * MEMBER_ID_REQUIRED with their id (KIP-394); v5+ carries the static instance id; before v7 a missing protocol
 * name is sent as ''.
 */
export function joinGroupHandler(coordinator: GroupCoordinator): ApiHandler<typeof JoinGroup> {
  return async ({ header, body, connection }) => {
    const version = header.apiVersion;
    const result = await coordinator.joinGroup({
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      clientId: header.clientId ?? '',
      clientHost: clientHostOf(connection.remote),
      sessionTimeoutMs: body.sessionTimeoutMs,
      rebalanceTimeoutMs: version === 0 ? body.sessionTimeoutMs : body.rebalanceTimeoutMs,
      protocolType: body.protocolType,
      // copies: the request frame's buffer is reused once this request completes
      protocols: body.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      requireKnownMemberId: version >= 4 && body.groupInstanceId === null,
      supportSkippingAssignment: version >= 9,
      reason: body.reason,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      protocolName: result.protocolName ?? (version >= 7 ? null : ''),
      leader: result.leader,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members,
    };
  };
}

/** The client's address as Kafka reports a member's host (InetAddress.toString: "/127.0.0.1"). */
export function clientHostOf(remote: string): string {
  const colon = remote.lastIndexOf(':');
  return `/${colon < 0 ? remote : remote.substring(0, colon)}`;
}
