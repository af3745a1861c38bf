import { ZkError, ZkErrorCode } from './zk-errors.js';

/** A `zookeeper.connect` value split into its servers and its optional chroot. */
export interface ZkConnectString {
  /** `host:port[,host:port...]`, without the chroot. */
  readonly hosts: string;
  /** The chroot path (`/samsa`), or '' for the root. */
  readonly chroot: string;
}

/**
 * Parses `host:port[,host:port...][/chroot]` as Kafka reads zookeeper.connect: everything from the first '/' is
 * the chroot. A chroot of '/' alone means none. Throws a ZkError (BAD_ARGUMENTS) naming the problem.
 */
export function parseZkConnectString(text: string): ZkConnectString {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const hosts = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const chrootText = slash === -1 ? '' : trimmed.slice(slash);
  const servers = hosts.split(',').map((s) => s.trim());
  if (hosts === '' || servers.some((s) => s === '')) throw badConnect(text, 'no ZooKeeper server given');
  for (const server of servers) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[^:\s[\]]+)(?::(\d+))?$/.exec(server);
    if (match === null) throw badConnect(text, `bad server "${server}"`);
    const port = match[2] === undefined ? 2181 : Number(match[2]);
    if (port < 1 || port > 65535) throw badConnect(text, `bad port in "${server}"`);
  }
  const chroot = chrootText === '/' ? '' : chrootText;
  if (chroot !== '') {
    const problem = zkPathProblem(chroot);
    if (problem !== null) throw badConnect(text, `bad chroot "${chroot}": ${problem}`);
  }
  return { hosts: servers.join(','), chroot };
}

/** Why `path` is not a valid absolute znode path, or null when it is. */
export function zkPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must start with /';
  if (path === '/') return null;
  if (path.endsWith('/')) return 'must not end with /';
  if (path.includes('//')) return 'must not contain an empty name';
  if (/\/\.\.?(\/|$)/.test(path)) return 'must not contain . or ..';
  if (path.includes('\0')) return 'must not contain a NUL character';
  return null;
}

function badConnect(text: string, reason: string): ZkError {
  return new ZkError(ZkErrorCode.BAD_ARGUMENTS, null, `zookeeper.connect "${text}": ${reason}`);
}
