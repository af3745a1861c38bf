/**
 * The logging surface storage needs: pino-compatible (object first, message second), so the broker passes a pino
 * child logger, while storage itself depends on no logging library.
 */
export interface StorageLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): StorageLogger;
}

const noop = (): void => undefined;

/** Discards everything: the default for library use and tests. */
export const SILENT_LOGGER: StorageLogger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => SILENT_LOGGER,
};
