import { pino, type Logger } from 'pino';

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
}

/** The broker's root logger. Made once (in the broker entry point) and handed to components, which derive children. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ level: options.level ?? 'info' });
}
