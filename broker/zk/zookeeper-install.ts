import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The one-line fix every "not found" message ends with. */
export const ZOOKEEPER_INSTALL_HINT = 'install it with: apt-get install -y zookeeper, or set ZOOKEEPER_HOME';

/** Where Debian's `libzookeeper-java` (pulled in by the `zookeeper` package) puts the server jar. */
export const DEBIAN_ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const DEBIAN_JAVA_DIR = '/usr/share/java';

/** ZooKeeper or the Java runtime it needs is missing; `missing` says which, the message says how to fix it. */
export class ZooKeeperNotFoundError extends Error {
  override readonly name = 'ZooKeeperNotFoundError';
  constructor(
    readonly missing: 'zookeeper' | 'java',
    message: string,
  ) {
    super(message);
  }
}

/** What it takes to run a ZooKeeper server: a java executable and the class path holding the server. */
export interface ZooKeeperInstall {
  readonly java: string;
  readonly classpath: readonly string[];
  /** Where the jars were found, for logs and messages. */
  readonly home: string;
  /** `setpriv` when present: it makes the kernel kill the JVM if this process dies without stopping it. */
  readonly setpriv: string | undefined;
}

export interface LocateOptions {
  /** An Apache ZooKeeper distribution (its `lib/*.jar`, or `zookeeper*.jar` at the top); unset ⇒ Debian's jars. */
  zooKeeperHome?: string | undefined;
  /** A JDK/JRE whose `bin/java` to use; unset ⇒ `java` on `searchPath`. */
  javaHome?: string | undefined;
  /** A PATH-style list of directories to look for `java` and `setpriv` in. */
  searchPath?: string | undefined;
}

/**
 * Finds a ZooKeeper server and a Java runtime without starting anything. Rejects with a ZooKeeperNotFoundError that
 * names what is missing and how to install it.
 */
export async function locateZooKeeper(options: LocateOptions = {}): Promise<ZooKeeperInstall> {
  const { home, classpath } =
    options.zooKeeperHome !== undefined && options.zooKeeperHome !== ''
      ? await distributionJars(options.zooKeeperHome)
      : await debianJars();
  const java = await findJava(options);
  const setpriv = await findOnPath('setpriv', options.searchPath);
  return { java, classpath, home, setpriv };
}

async function distributionJars(home: string): Promise<{ home: string; classpath: string[] }> {
  const jars = [...(await jarsIn(join(home, 'lib'))), ...(await jarsIn(home))];
  const hasServer = jars.some((jar) => /(^|\/)zookeeper-?[0-9.]*\.jar$/.test(jar));
  if (!hasServer) {
    throw new ZooKeeperNotFoundError(
      'zookeeper',
      `ZooKeeper not found: ZOOKEEPER_HOME=${home} holds no zookeeper jar (looked for ${join(home, 'lib', '*.jar')} ` +
        `and ${join(home, 'zookeeper*.jar')}); ${ZOOKEEPER_INSTALL_HINT}`,
    );
  }
  // conf/ first: a distribution's logback.xml or log4j.properties lives there.
  const conf = join(home, 'conf');
  return { home, classpath: (await isDirectory(conf)) ? [conf, ...jars] : jars };
}

async function debianJars(): Promise<{ home: string; classpath: string[] }> {
  if (!(await isReadable(DEBIAN_ZOOKEEPER_JAR))) {
    throw new ZooKeeperNotFoundError(
      'zookeeper',
      `ZooKeeper not found: ZOOKEEPER_HOME is not set and ${DEBIAN_ZOOKEEPER_JAR} (Debian's zookeeper package, ` +
        `which also provides /usr/share/zookeeper) is missing; ${ZOOKEEPER_INSTALL_HINT}`,
    );
  }
  // The Debian jar's manifest Class-Path names its dependencies; only a logging binding must be added, else
  // slf4j drops every line, including the reason a start failed.
  const binding = join(DEBIAN_JAVA_DIR, 'slf4j-simple.jar');
  const classpath = [DEBIAN_ZOOKEEPER_JAR];
  if (await isReadable(binding)) classpath.push(binding);
  return { home: DEBIAN_JAVA_DIR, classpath };
}

async function findJava(options: LocateOptions): Promise<string> {
  if (options.javaHome !== undefined && options.javaHome !== '') {
    const java = join(options.javaHome, 'bin', 'java');
    if (await isExecutable(java)) return java;
  }
  const java = await findOnPath('java', options.searchPath);
  if (java !== undefined) return java;
  throw new ZooKeeperNotFoundError(
    'java',
    'Java not found (looked in JAVA_HOME and PATH): ZooKeeper needs a Java runtime; install it with: ' +
      'apt-get install -y zookeeper (which brings default-jre), or apt-get install -y default-jre-headless',
  );
}

async function findOnPath(name: string, searchPath: string | undefined): Promise<string | undefined> {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function jarsIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.jar'))
    .sort()
    .map((name) => join(dir, name));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isReadable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
