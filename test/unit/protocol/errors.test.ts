import { describe, expect, it } from 'vitest';

import { ERRORS, ErrorCode, KafkaError, errorInfo, errorName, isRetriable } from '../../../protocol/errors.js';

describe('ErrorCode table', () => {
  it.each([
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [0, 'NONE', false],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [8, 'BROKER_NOT_AVAILABLE', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [87, 'INVALID_RECORD', false],
    [100, 'UNKNOWN_TOPIC_ID', true],
    [121, 'INVALID_RECORD_STATE', false],
    [122, 'SHARE_SESSION_NOT_FOUND', true],
    [133, 'SHARE_SESSION_LIMIT_REACHED', true],
  ])('code %i is %s (retriable: %s)', (code, name, retriable) => {
    const info = errorInfo(code);
    expect(info.code).toBe(code);
    expect(info.name).toBe(name);
    expect(info.retriable).toBe(retriable);
    expect(ErrorCode[name as keyof typeof ErrorCode]).toBe(code);
  });

  it('has unique, contiguous codes from -1 up', () => {
    const codes = Object.values(ErrorCode).sort((a, b) => a - b);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual(Array.from({ length: codes.length }, (_, i) => i - 1));
  });

  it('has an ERRORS entry for every code, named after its key', () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      const info = ERRORS[code];
      expect(info.code).toBe(code);
      expect(info.name).toBe(name);
      expect(typeof info.retriable).toBe('boolean');
      expect(info.message.length).toBeGreaterThan(0);
    }
    expect(Object.keys(ERRORS)).toHaveLength(Object.keys(ErrorCode).length);
  });

  it('keeps Kafka default messages', () => {
    expect(errorInfo(ErrorCode.REQUEST_TIMED_OUT).message).toBe('The request timed out.');
    expect(errorInfo(ErrorCode.UNKNOWN_TOPIC_ID).message).toBe('This server does not host this topic ID.');
  });

  it('synthesises info for unknown codes without throwing', () => {
    expect(errorInfo(9999)).toEqual({
      code: 9999,
      name: 'UNKNOWN_ERROR_CODE_9999',
      retriable: false,
      message: 'Unknown error code 9999',
    });
    expect(errorName(-7)).toBe('UNKNOWN_ERROR_CODE_-7');
    expect(errorName(ErrorCode.NOT_COORDINATOR)).toBe('NOT_COORDINATOR');
  });
});

describe('KafkaError', () => {
  it('defaults its message to the table message', () => {
    const err = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('KafkaError');
    expect(err.code).toBe(6);
    expect(err.errorName).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(err.message).toBe(ERRORS[ErrorCode.NOT_LEADER_OR_FOLLOWER].message);
    expect(err.retriable).toBe(true);
  });

  it('takes a custom message and cause', () => {
    const cause = new Error('disk');
    const err = new KafkaError(ErrorCode.UNSUPPORTED_VERSION, 'Produce v99 is not supported', { cause });
    expect(err.message).toBe('Produce v99 is not supported');
    expect(err.cause).toBe(cause);
    expect(err.retriable).toBe(false);
  });

  it('isRetriable is true only for retriable KafkaErrors', () => {
    expect(isRetriable(new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))).toBe(true);
    expect(isRetriable(new KafkaError(ErrorCode.INVALID_RECORD))).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable({ code: 6, retriable: true })).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });
});
