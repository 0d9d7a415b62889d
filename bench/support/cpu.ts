// CPU time used by a process (Linux /proc/<pid>/stat utime + stime; undefined elsewhere), to split an
// operation's cost between the client, the ephr-fhir server and the database server.
import fs from 'node:fs';

/** Clock ticks per second of /proc times: 100 on Linux unless the kernel was built otherwise. */
const TICKS_PER_SECOND = 100;

export function cpuMs(pid: number): number | undefined {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export type CpuShare = Record<string, number | undefined>;

/** Runs `work` and returns its result with the CPU ms each named process used during it, per operation. */
export async function withCpu<T extends { count: number }>(
  pids: Record<string, number>,
  work: () => Promise<T>,
): Promise<T & { cpu: CpuShare }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const out = await work();
  const cpu: CpuShare = {};
  for (const [k, pid] of Object.entries(pids)) {
    const a = before[k];
    const b = cpuMs(pid);
    cpu[k] = a === undefined || b === undefined || out.count === 0 ? undefined : (b - a) / out.count;
  }
  return { ...out, cpu };
}
