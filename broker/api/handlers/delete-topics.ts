import type { DeleteTopics } from '../../../protocol/index.js';
import type { Controller, DeleteTopicTarget } from '../../controller/controller.js';
import type { ApiHandler } from '../router.js';

/** Versions served: 0-6 (protocol-surface.md; platformatic sends only 6). */
export const DELETE_TOPICS_RANGE = { min: 0, max: 6 };

/** From v6 topics are named by name or by id (KIP-516); before, by name only. */
const TOPIC_ID_VERSION = 6;

/**
 * DeleteTopics: the controller deletes each named topic (an unknown one answers UNKNOWN_TOPIC_OR_PARTITION, or
 * UNKNOWN_TOPIC_ID when named by id; both name and id is INVALID_REQUEST). timeoutMs bounds the controller's wait
 * for the topic to leave the metadata (cluster mode; the local controller has applied it by the time it answers).
 */
export function deleteTopicsHandler(controller: Controller): ApiHandler<typeof DeleteTopics> {
  return async ({ header, body }) => {
    const targets: DeleteTopicTarget[] =
      header.apiVersion >= TOPIC_ID_VERSION
        ? body.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : body.topicNames.map((name) => ({ name }));
    const results = await controller.deleteTopics(targets, { timeoutMs: body.timeoutMs });
    return {
      throttleTimeMs: 0,
      responses: results.map((r) => ({
        name: r.name,
        topicId: r.topicId,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
      })),
    };
  };
}
