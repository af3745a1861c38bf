import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProperties } from '../config.js';
import { writeFileAtomic } from './atomic-file.js';
import { isUuidText, randomUuid } from './uuid.js';

/** Kafka's name for the identity file at the top of every log dir. */
export const META_PROPERTIES_FILE = 'meta.properties';

export interface ClusterIdentity {
  readonly clusterId: string;
}

/** A log dir whose meta.properties contradicts the config or another log dir; start-up must stop. */
export class ClusterIdentityError extends Error {
  override name = 'ClusterIdentityError';

  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

interface StoredIdentity {
  readonly file: string;
  readonly brokerId: number;
  readonly clusterId: string;
}

/**
 * Reads or creates `meta.properties` in every log dir (Kafka's ZooKeeper-mode v0 format):
 *
 *   #<comment>
 *   version=0
 *   broker.id=<id>
 *   cluster.id=<22-character uuid>
 *
 * On first start the dirs get one cluster id (`resolveClusterId`'s: a new one for a single node, ZooKeeper's
 * `/cluster/id` in cluster mode, which is also checked against a stored id); later starts read it back. A dir naming another broker id than
 * the config, or another cluster id than its siblings, refuses start-up: its data belongs to a different broker
 * or cluster, and serving it would mix logs. Dirs without the file (newly added) get the existing identity.
 * Files are written atomically. Call once at start, before anything else touches the dirs.
 */
export async function loadClusterIdentity(
  logDirs: readonly string[],
  brokerId: number,
  resolveClusterId: (storedClusterId: string | null) => Promise<string> = (stored) =>
    Promise.resolve(stored ?? randomUuid()),
): Promise<ClusterIdentity> {
  const missing: string[] = [];
  const stored: StoredIdentity[] = [];
  for (const dir of logDirs) {
    await mkdir(dir, { recursive: true });
    const file = join(dir, META_PROPERTIES_FILE);
    const identity = await readIdentity(file);
    if (identity === null) missing.push(file);
    else stored.push(identity);
  }
  for (const s of stored) {
    if (s.brokerId !== brokerId) {
      throw new ClusterIdentityError(
        s.file,
        `stored broker.id ${s.brokerId} does not match the configured broker.id ${brokerId}`,
      );
    }
    const first = stored[0]!;
    if (s.clusterId !== first.clusterId) {
      throw new ClusterIdentityError(
        s.file,
        `cluster.id ${s.clusterId} does not match cluster.id ${first.clusterId} in ${first.file}`,
      );
    }
  }
  const clusterId = await resolveClusterId(stored[0]?.clusterId ?? null);
  for (const file of missing) await writeFileAtomic(file, formatIdentity(brokerId, clusterId));
  return { clusterId };
}

function formatIdentity(brokerId: number, clusterId: string): string {
  return `#Written by Samsa at first start; identifies this broker and cluster. Do not edit.\nversion=0\nbroker.id=${brokerId}\ncluster.id=${clusterId}\n`;
}

async function readIdentity(file: string): Promise<StoredIdentity | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const props = parseProperties(text);
  if (props.version !== '0') {
    throw new ClusterIdentityError(file, `unsupported version ${props.version ?? '(missing)'}, expected 0`);
  }
  const brokerIdText = props['broker.id'] ?? '';
  if (!/^\d+$/.test(brokerIdText)) throw new ClusterIdentityError(file, `invalid broker.id "${brokerIdText}"`);
  const clusterId = props['cluster.id'] ?? '';
  if (!isUuidText(clusterId)) throw new ClusterIdentityError(file, `invalid cluster.id "${clusterId}"`);
  return { file, brokerId: Number(brokerIdText), clusterId };
}
