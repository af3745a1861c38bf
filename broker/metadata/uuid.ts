import { randomBytes } from 'node:crypto';
import { ZERO_UUID } from '../../protocol/index.js';

/** Kafka's reserved id of the KRaft metadata topic (Uuid.METADATA_TOPIC_ID), never handed out. */
const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const UUID_TEXT = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * A random version-4 UUID in Kafka's text form (22 characters of URL-safe base64, as the protocol codec reads and
 * writes uuids). Like Kafka's Uuid.randomUuid it skips the reserved ids and ids starting with '-', which command
 * lines would take for an option.
 */
export function randomUuid(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const text = bytes.toString('base64url');
    if (text !== ZERO_UUID && text !== METADATA_TOPIC_ID && !text.startsWith('-')) return text;
  }
}

/** Whether `text` is a uuid in Kafka's 22-character form (the last character carries only 2 bits). */
export function isUuidText(text: string): boolean {
  return UUID_TEXT.test(text);
}
