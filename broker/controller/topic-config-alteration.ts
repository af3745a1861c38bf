import { ErrorCode, KafkaError } from '../../protocol/index.js';
import {
  InvalidConfigError,
  LOG_CONFIG_KEYS,
  type LogConfig,
  logConfigFrom,
  logConfigToProperties,
} from '../../storage/index.js';
import { ConfigOperation, type TopicConfigChange, type TopicConfigOp } from './controller.js';

const TYPES = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k.type]));

/**
 * The overrides a topic has after `change`, given its `current` overrides, checked as a whole by storage's table
 * over `base` (the broker's topic defaults), so one bad key fails the whole change and nothing is half applied.
 * Throws KafkaError with Kafka's codes: INVALID_REQUEST for a key named twice, a null value or an op the key does
 * not allow; INVALID_CONFIG (the message names the key) for an unknown key or a bad value.
 */
export function alteredOverrides(
  current: Readonly<Record<string, string>>,
  change: TopicConfigChange,
  base: LogConfig,
): Record<string, string> {
  const names = change.ops.map((o) => o.name);
  if (new Set(names).size !== names.length) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  }
  const next: Record<string, string> = change.mode === 'replace' ? {} : { ...current };
  for (const op of change.ops) applyOp(next, op, change.mode, base);
  try {
    logConfigFrom(next, base);
  } catch (err) {
    if (err instanceof InvalidConfigError) throw new KafkaError(ErrorCode.INVALID_CONFIG, err.message, { cause: err });
    throw err;
  }
  return next;
}

function applyOp(
  next: Record<string, string>,
  op: TopicConfigOp,
  mode: TopicConfigChange['mode'],
  base: LogConfig,
): void {
  const { name, value } = op;
  if (op.op === ConfigOperation.DELETE) {
    delete next[name];
    return;
  }
  if (value === null) {
    // AlterConfigs (replace) names a key with a null value to leave it at its default.
    if (mode === 'replace' && op.op === ConfigOperation.SET) return;
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${name}`);
  }
  switch (op.op) {
    case ConfigOperation.SET:
      next[name] = value;
      return;
    case ConfigOperation.APPEND:
    case ConfigOperation.SUBTRACT: {
      const type = TYPES.get(name);
      if (type === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
      const verb = op.op === ConfigOperation.APPEND ? 'append' : 'subtract';
      if (type !== 'list') {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Config value ${verb} is not allowed for config key: ${name}`);
      }
      // Like Kafka, the list starts from the topic's current value, its default when not overridden.
      const items = listItems(next[name] ?? logConfigToProperties(base)[name] ?? '');
      const given = listItems(value);
      const result =
        verb === 'append'
          ? [...items, ...given.filter((v) => !items.includes(v))]
          : items.filter((v) => !given.includes(v));
      next[name] = result.join(',');
      return;
    }
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${String(op.op)} for ${name}`);
  }
}

function listItems(text: string): string[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
