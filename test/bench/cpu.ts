// CPU time of the local runtime (workerd, Miniflare's child process), read from Linux's /proc. On
// a 2-core machine the client shares, CPU per request shows the server's own cost of a request,
// which wall-clock throughput mixes with the client's and with anything else running. Off Linux
// the figure is left out.

import { readdirSync, readFileSync } from "node:fs";

// /proc reports CPU time in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ.
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which is parenthesised and may hold spaces). */
function statFields(pid: string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function isChildNamed(pid: string, name: string): boolean {
  try {
    return Number(statFields(pid)?.[1]) === process.pid && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name;
  } catch {
    return false; // gone since the directory was listed
  }
}

/** A reader of the CPU seconds used so far by this process's children named `name`, or undefined off Linux. */
export function childCpuMeter(name: string): (() => number) | undefined {
  let children: string[];
  try {
    children = readdirSync("/proc").filter((pid) => /^\d+$/.test(pid) && isChildNamed(pid, name));
  } catch {
    return undefined;
  }
  if (children.length === 0) return undefined;
  return () =>
    children.reduce((sum, pid) => {
      const fields = statFields(pid); // utime and stime are the 14th and 15th fields
      return sum + (fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0);
    }, 0);
}

/**
 * CPU seconds the whole machine has been busy (all cores), or undefined off Linux: what the
 * benchmark's own processes did not use of it is other work that skewed the run.
 */
export function machineBusySeconds(): number | undefined {
  try {
    // "cpu  user nice system idle iowait irq softirq steal ...": busy is all but idle and iowait.
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
    return busy / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
