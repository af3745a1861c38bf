/**
 * The errors of the ZooKeeper layer. ZooKeeper's own result codes (KeeperException.Code) become one class each for
 * the codes callers act on (NO_NODE, NODE_EXISTS, BAD_VERSION, NOT_EMPTY, SESSION_EXPIRED) and ZkError for the
 * rest; no error of node-zookeeper-client leaves broker/zk. The Kafka-level refusals (controller moved, broker id
 * taken, wrong cluster) have their own classes too.
 */

/** ZooKeeper's result codes, as on the wire (org.apache.zookeeper.KeeperException.Code). */
export const ZkErrorCode = {
  OK: 0,
  SYSTEM_ERROR: -1,
  RUNTIME_INCONSISTENCY: -2,
  DATA_INCONSISTENCY: -3,
  CONNECTION_LOSS: -4,
  MARSHALLING_ERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATION_TIMEOUT: -7,
  BAD_ARGUMENTS: -8,
  API_ERROR: -100,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_CALLBACK: -113,
  INVALID_ACL: -114,
  AUTH_FAILED: -115,
} as const;
export type ZkErrorCode = (typeof ZkErrorCode)[keyof typeof ZkErrorCode];

/** The name of a ZooKeeper result code, or `CODE_<n>` for one this table does not know. */
export function zkCodeName(code: number): string {
  for (const [name, value] of Object.entries(ZkErrorCode)) if (value === code) return name;
  return `CODE_${code}`;
}

/** A ZooKeeper operation failed with `code`. `opIndex` is set for a multi: the index of the op that failed. */
export class ZkError extends Error {
  override name = 'ZkError';

  constructor(
    readonly code: number,
    readonly path: string | null,
    message?: string,
    options?: ErrorOptions & { readonly opIndex?: number },
  ) {
    super(message ?? `ZooKeeper ${zkCodeName(code)}${path === null ? '' : ` at ${path}`}`, options);
    this.opIndex = options?.opIndex ?? null;
  }

  readonly opIndex: number | null;
}

export class ZkNoNodeError extends ZkError {
  override name = 'ZkNoNodeError';
}

export class ZkNodeExistsError extends ZkError {
  override name = 'ZkNodeExistsError';
}

/** A conditional write (setData, delete or check with a zkVersion) found another version. */
export class ZkBadVersionError extends ZkError {
  override name = 'ZkBadVersionError';
}

export class ZkNotEmptyError extends ZkError {
  override name = 'ZkNotEmptyError';
}

/** The session ended on the server: its ephemerals and watches are gone. */
export class ZkSessionExpiredError extends ZkError {
  override name = 'ZkSessionExpiredError';
}

/** No connected session within zookeeper.connection.timeout.ms (Kafka's ZooKeeperClientTimeoutException). */
export class ZkConnectionTimeoutError extends ZkError {
  override name = 'ZkConnectionTimeoutError';

  constructor(
    readonly connectString: string,
    readonly timeoutMs: number,
  ) {
    super(ZkErrorCode.CONNECTION_LOSS, null, `no ZooKeeper session with ${connectString} within ${timeoutMs} ms`);
  }
}

/** The client was closed; operations still waiting fail with this. */
export class ZkClosedError extends ZkError {
  override name = 'ZkClosedError';

  constructor() {
    super(ZkErrorCode.CONNECTION_LOSS, null, 'ZooKeeper client closed');
  }
}

/** The error class for a ZooKeeper result code. */
export function zkErrorFor(code: number, path: string | null, options?: { readonly opIndex?: number }): ZkError {
  switch (code) {
    case ZkErrorCode.NO_NODE:
      return new ZkNoNodeError(code, path, undefined, options);
    case ZkErrorCode.NODE_EXISTS:
      return new ZkNodeExistsError(code, path, undefined, options);
    case ZkErrorCode.BAD_VERSION:
      return new ZkBadVersionError(code, path, undefined, options);
    case ZkErrorCode.NOT_EMPTY:
      return new ZkNotEmptyError(code, path, undefined, options);
    case ZkErrorCode.SESSION_EXPIRED:
      return new ZkSessionExpiredError(code, path, undefined, options);
    default:
      return new ZkError(code, path, undefined, options);
  }
}

/** A znode's data is not the JSON (or text) Kafka writes there. */
export class ZkDataError extends Error {
  override name = 'ZkDataError';

  constructor(
    readonly path: string,
    readonly text: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${reason}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`, options);
  }
}

/**
 * This broker is not (or no longer) the active controller: it lost an election, or a write fenced by the
 * controller epoch found a newer epoch (Kafka's ControllerMovedException; NOT_CONTROLLER on the wire).
 */
export class ControllerMovedError extends Error {
  override name = 'ControllerMovedError';
}

/** Another live broker holds `/brokers/ids/<id>` (Kafka refuses start-up the same way). */
export class BrokerIdConflictError extends Error {
  override name = 'BrokerIdConflictError';

  constructor(
    readonly brokerId: number,
    readonly registeredAt: string,
  ) {
    super(`broker.id ${brokerId} is already registered at ${registeredAt}`);
  }
}

/** meta.properties names another cluster than ZooKeeper's `/cluster/id` (Kafka's InconsistentClusterIdException). */
export class InconsistentClusterIdError extends Error {
  override name = 'InconsistentClusterIdError';

  constructor(
    readonly zkClusterId: string,
    readonly storedClusterId: string,
  ) {
    super(
      `the cluster id ${zkClusterId} in ZooKeeper does not match the stored cluster id ${storedClusterId} in ` +
        'meta.properties: the broker is trying to join the wrong cluster; zookeeper.connect may be wrong',
    );
  }
}
