import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeliverySink } from './consume-tracker.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./group-member-child.ts', import.meta.url));

/** What group-member-child.ts runs. */
export interface ChildMemberSpec {
  client: 'kafkajs' | 'platformatic';
  bootstrap: string;
  groupId: string;
  topics: string[];
  name: string;
  sessionTimeout: number;
  /** platformatic only: static membership (KIP-345). */
  groupInstanceId?: string;
}

/** One join the child reported. */
export interface ChildJoin {
  memberId: string;
  /** platformatic reports it; kafkajs does not. */
  generationId?: number;
  assignment: Record<string, number[]>;
}

type ChildEvent =
  | ({ type: 'join' } & ChildJoin)
  | { type: 'record' | 'commit'; topic: string; partition: number; offset: number }
  | { type: 'ready' };

/**
 * A kafkajs or platformatic group consumer in a child process (group-member-child.ts), for tests that must crash a
 * member with SIGKILL. Its deliveries and acknowledged commits go to the tracker as they are reported.
 */
export class ChildGroupMember {
  readonly name: string;
  readonly child: ChildProcess;
  readonly joins: ChildJoin[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  records = 0;
  ready = false;
  #output = '';
  #rest = '';

  private constructor(spec: ChildMemberSpec, tracker: DeliverySink | undefined) {
    this.name = spec.name;
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr!.on('data', (d: Buffer) => (this.#output += d.toString()));
    this.child.stdout!.on('data', (d: Buffer) => {
      const lines = (this.#rest + d.toString()).split('\n');
      this.#rest = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) {
          this.#output += line + '\n';
          continue;
        }
        this.#onEvent(JSON.parse(line) as ChildEvent, tracker);
      }
    });
  }

  static start(spec: ChildMemberSpec, tracker?: DeliverySink): ChildGroupMember {
    return new ChildGroupMember(spec, tracker);
  }

  /** The assignment of the latest join, for `topic`, sorted. */
  partitions(topic: string): number[] {
    return [...(this.joins.at(-1)?.assignment[topic] ?? [])].sort((a, b) => a - b);
  }

  /** Anything the child printed that was not an event (errors), for failure messages. */
  output(): string {
    return this.#output;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }

  #onEvent(event: ChildEvent, tracker: DeliverySink | undefined): void {
    switch (event.type) {
      case 'join':
        this.joins.push({ memberId: event.memberId, generationId: event.generationId, assignment: event.assignment });
        break;
      case 'record':
        this.records++;
        tracker?.delivered(this.name, event.topic, event.partition, event.offset);
        break;
      case 'commit':
        tracker?.committed(event.topic, event.partition, event.offset);
        break;
      case 'ready':
        this.ready = true;
        break;
    }
  }
}
