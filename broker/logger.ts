import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/**
 * The fixed child-logger binding names (ARCHITECTURE.md §7). Components bind through these constants so every
 * log line uses the same keys and log queries stay stable.
 */
export const Binding = {
  component: 'component',
  brokerId: 'brokerId',
  conn: 'conn',
  remote: 'remote',
  clientId: 'clientId',
  api: 'api',
  v: 'v',
  corr: 'corr',
  tp: 'tp',
  group: 'group',
} as const;

export interface LoggerOptions {
  /** A pino level name; tests use 'silent'. Defaults to 'info'. */
  level?: string;
  /** Human-readable lines (for a terminal) instead of JSON (for log collectors). */
  pretty?: boolean;
}

/** The broker's root logger. Made once (in the broker entry point) and handed to components, which derive children. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (options.pretty !== true) return pino({ level });
  return pino({ level }, PinoPretty({ colorize: true, sync: true, ignore: 'pid,hostname' }));
}
