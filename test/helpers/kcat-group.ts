import { spawn, type ChildProcess } from 'node:child_process';
import type { DeliverySink } from './consume-tracker.js';

export interface KcatGroupOptions {
  bootstrap: string;
  group: string;
  topics: readonly string[];
  /** The consumer's name in the tracker and in failure messages. */
  name: string;
  /** librdkafka properties (`-X key=value`), over auto.offset.reset=earliest. */
  config?: Readonly<Record<string, string>>;
  /** Log the cgrp debug context (`-d cgrp`), which is where the JoinGroup generation ids appear. */
  debug?: boolean;
  /** Records each delivered (topic, partition, offset). */
  tracker?: DeliverySink;
}

/** What kcat prints on a rebalance: the eager form, then the cooperative (incremental) one. */
const EAGER = /^% Group \S+ rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/;
const COOPERATIVE =
  /^% Group \S+ rebalanced: incremental (assignment|revoke) of \d+ partition\(s\) \(memberid [^,]*,[^)]*\): ?(.*)$/;
const GENERATION = /JoinGroup response: GenerationId (-?\d+)/;

/**
 * A `kcat -G` balanced consumer (librdkafka's group consumer) as a child process. It tracks what the group gave
 * it from kcat's rebalance lines (eager and cooperative), the generation ids of its JoinGroup responses (with
 * `debug`), and hands every record it prints (`topic partition offset`) to the tracker.
 */
export class KcatGroupMember {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Partitions currently assigned, as `topic/partition`. */
  readonly assignment = new Set<string>();
  /** Every rebalance callback kcat reported, in order. */
  readonly rebalances: { kind: 'assign' | 'revoke'; cooperative: boolean; partitions: string[] }[] = [];
  /** Generation ids from the JoinGroup responses it logged (`debug` only). */
  readonly generations: number[] = [];
  /** Records printed so far. */
  records = 0;
  #stderr = '';
  #stdoutRest = '';
  #stderrRest = '';

  private constructor(options: KcatGroupOptions) {
    this.name = options.name;
    const config = { 'auto.offset.reset': 'earliest', ...options.config };
    const args = ['-b', options.bootstrap, '-G', options.group, '-u', '-f', '%t %p %o\\n'];
    for (const [key, value] of Object.entries(config)) args.push('-X', `${key}=${value}`);
    if (options.debug === true) args.push('-d', 'cgrp');
    args.push(...options.topics);
    this.child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stdout!.on('data', (d: Buffer) => {
      const lines = (this.#stdoutRest + d.toString()).split('\n');
      this.#stdoutRest = lines.pop()!;
      for (const line of lines) this.#onRecord(line, options.tracker);
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
      const lines = (this.#stderrRest + d.toString()).split('\n');
      this.#stderrRest = lines.pop()!;
      for (const line of lines) this.#onLog(line);
    });
  }

  static start(options: KcatGroupOptions): KcatGroupMember {
    return new KcatGroupMember(options);
  }

  /** The partitions of `topic` currently assigned, sorted. */
  partitions(topic: string): number[] {
    return [...this.assignment]
      .filter((tp) => tp.startsWith(`${topic}/`))
      .map((tp) => Number(tp.slice(topic.length + 1)))
      .sort((a, b) => a - b);
  }

  /** kcat's stderr so far (rebalance lines, errors, debug), for failure messages. */
  log(): string {
    return this.#stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` (SIGTERM: kcat commits, leaves the group and exits) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  #onRecord(line: string, tracker: DeliverySink | undefined): void {
    const match = /^(\S+) (\d+) (\d+)$/.exec(line);
    if (match === null) return;
    this.records++;
    tracker?.delivered(this.name, match[1]!, Number(match[2]), Number(match[3]));
  }

  #onLog(line: string): void {
    const generation = GENERATION.exec(line);
    if (generation !== null) this.generations.push(Number(generation[1]));
    const eager = EAGER.exec(line);
    const cooperative = eager === null ? COOPERATIVE.exec(line) : null;
    const match = eager ?? cooperative;
    if (match === null) return;
    const partitions = parsePartitionList(match[2]!);
    const kind = match[1] === 'assigned' || match[1] === 'assignment' ? 'assign' : 'revoke';
    this.rebalances.push({ kind, cooperative: cooperative !== null, partitions });
    // eager: the whole assignment is revoked, then a new one assigned; cooperative: only the difference moves
    if (eager !== null) this.assignment.clear();
    for (const tp of partitions) {
      if (kind === 'assign') this.assignment.add(tp);
      else this.assignment.delete(tp);
    }
  }
}

/** `t [0], t [1]` → [`t/0`, `t/1`]. */
function parsePartitionList(list: string): string[] {
  return [...list.matchAll(/(\S+) \[(\d+)\]/g)].map((m) => `${m[1]}/${m[2]}`);
}
