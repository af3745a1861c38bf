/** The value types of the ZooKeeper client wrapper (ZkClient), free of node-zookeeper-client's types. */

/** ZooKeeper's CreateMode, by name. */
export type ZkCreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

/** A znode's Stat. zxids and times are numbers (they fit: a zxid is epoch << 32 | counter); session ids are not. */
export interface ZkStat {
  /** zxid of the create; Kafka uses the registration znode's czxid as the broker epoch. */
  readonly czxid: number;
  readonly mzxid: number;
  readonly pzxid: number;
  readonly ctimeMs: number;
  readonly mtimeMs: number;
  /** The data version ("zkVersion"): conditional writes compare against it. */
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** The owning session of an ephemeral, 0n for a persistent node. */
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
}

/** ZooKeeper's matches-any version for setData, delete and check. */
export const ANY_VERSION = -1;

export type ZkWatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';

/** A fired one-shot watch. `path` is relative to the chroot. */
export interface ZkWatchEvent {
  readonly type: ZkWatchEventType;
  readonly path: string;
}

/**
 * A one-shot watch callback. It runs on ZooKeeper's event path: it should only enqueue work (as Kafka's
 * ZNodeChangeHandlers do), and a throw is logged, never propagated. Passing the same function twice for the same
 * path arms one watch, as in ZooKeeper.
 */
export type ZkWatcher = (event: ZkWatchEvent) => void;

/** One operation of a multi (ZooKeeper transaction); all apply or none. */
export type ZkOp =
  | {
      readonly type: 'create';
      readonly path: string;
      readonly data?: Buffer | null;
      readonly mode?: ZkCreateMode;
    }
  | { readonly type: 'setData'; readonly path: string; readonly data: Buffer | null; readonly version?: number }
  | { readonly type: 'delete'; readonly path: string; readonly version?: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number };

/** The result of each op of a successful multi, in order. */
export type ZkOpResult =
  | { readonly type: 'create'; readonly path: string }
  | { readonly type: 'setData'; readonly stat: ZkStat }
  | { readonly type: 'delete' }
  | { readonly type: 'check' };

/**
 * Where the wrapper's session is. `connecting`: no session yet (start-up, or a new one after expiry);
 * `disconnected`: the session lives but the socket is down (requests wait); `expired`: the server ended the
 * session, a new one is being opened; `closed`: for good.
 */
export type ZkSessionState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

/**
 * Told about session changes, like Kafka's StateChangeHandler. Listeners run in registration order, one at a
 * time; a listener's failure is logged and does not stop the others.
 */
export interface ZkSessionListener {
  /** The session expired: its ephemerals and watches are gone. Runs before a new session is opened. */
  sessionExpired?(): void | Promise<void>;
  /** A new session replaced an expired one: re-create ephemerals, re-arm watches. */
  newSession?(): void | Promise<void>;
  /** The socket dropped (`disconnected`) or came back (`connected`) within the same session. */
  connectionChanged?(state: 'connected' | 'disconnected'): void;
}
