/**
 * Errors raised by the codec layer itself (as opposed to Kafka error codes carried in responses).
 * Every failure to decode untrusted bytes is a ProtocolDecodeError, so callers can catch exactly one class
 * and close the connection or answer INVALID_REQUEST / CORRUPT_MESSAGE.
 */
export class ProtocolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}

/** Bytes that do not form a valid value: truncated input, bad lengths, out-of-range numbers, bad enums. */
export class ProtocolDecodeError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolDecodeError';
  }
}

/** A value that cannot be written in the requested version (null in a non-nullable field, string too long). */
export class ProtocolEncodeError extends ProtocolError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolEncodeError';
  }
}

/** A frame whose length prefix is negative or above the configured maximum; nothing was allocated for it. */
export class FrameSizeError extends ProtocolDecodeError {
  constructor(
    readonly size: number,
    readonly maxSize: number,
  ) {
    super(size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds the maximum of ${maxSize}`);
    this.name = 'FrameSizeError';
  }
}

/** An (api, version) pair the codec has no declaration for. */
export class UnsupportedVersionError extends ProtocolError {
  constructor(
    readonly apiKey: number,
    readonly apiVersion: number,
  ) {
    super(`api ${apiKey} version ${apiVersion} is not supported`);
    this.name = 'UnsupportedVersionError';
  }
}
