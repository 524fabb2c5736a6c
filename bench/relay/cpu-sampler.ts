// CPU time from /proc: utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, in clock
// ticks), summed over groups of processes (all of Kamailio's forked children, both SIPp instances),
// and the machine's busy time from /proc/stat, so each step can say who used the two cores.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type CpuGroups = Readonly<Record<string, readonly number[]>>;

export interface CpuSnapshot {
  readonly at: bigint;
  readonly ticksByPid: ReadonlyMap<number, number>;
  readonly machine: { readonly busy: number; readonly total: number };
}

/** Per group: percent of one core over the interval (can exceed 100 for several processes). */
export interface CpuUsage {
  readonly groups: Readonly<Record<string, number>>;
  /** Percent of the whole machine (all cores) that was busy. */
  readonly machineBusy: number;
  /** Busy time not accounted to any group, in percent of one core: the kernel's softirqs, other programs. */
  readonly unaccounted: number;
}

export class CpuSampler {
  // /proc/stat and /proc/<pid>/stat both count USER_HZ ticks, so machine and process times subtract.
  readonly #ticksPerSecond = clockTicksPerSecond();

  snapshot(pids: Iterable<number>): CpuSnapshot {
    const ticksByPid = new Map<number, number>();
    for (const pid of pids) {
      const ticks = processTicks(pid);
      if (ticks !== undefined) ticksByPid.set(pid, ticks);
    }
    return { at: process.hrtime.bigint(), ticksByPid, machine: machineTicks() };
  }

  usage(before: CpuSnapshot, after: CpuSnapshot, groups: CpuGroups): CpuUsage {
    const seconds = Number(after.at - before.at) / 1e9;
    const percent = (ticks: number): number => (100 * ticks) / this.#ticksPerSecond / seconds;
    const result: Record<string, number> = {};
    let accounted = 0;
    for (const [name, pids] of Object.entries(groups)) {
      let ticks = 0;
      for (const pid of pids) {
        const end = after.ticksByPid.get(pid);
        // A process that exited during the interval keeps its last reading (its last ticks are lost).
        if (end !== undefined) ticks += end - (before.ticksByPid.get(pid) ?? 0);
      }
      result[name] = percent(ticks);
      accounted += ticks;
    }
    const busy = after.machine.busy - before.machine.busy;
    const total = after.machine.total - before.machine.total;
    return {
      groups: result,
      machineBusy: total > 0 ? (100 * busy) / total : 0,
      unaccounted: Math.max(0, percent(busy - accounted)),
    };
  }
}

export function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid` (Kamailio's forked workers), by walking /proc's parent links. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // exited meanwhile
    }
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}
