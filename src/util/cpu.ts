/**
 * CPU seconds (user + system) this process has used so far: all its threads (the main thread,
 * the native kernels' threads, Yosys's workers) and the child processes it has waited for (g++,
 * simulators). On a shared machine a step's CPU seconds say what it costs, where wall time
 * says mostly how loaded the machine was.
 */
import { readFileSync } from 'node:fs';

/**
 * Clock ticks per second of /proc's times: USER_HZ, which Linux fixes at 100 for userspace on
 * every architecture (proc(5), "cutime": "measured in clock ticks (divide by sysconf(_SC_CLK_TCK))").
 */
const USER_HZ = 100;

/** Children's user + system seconds from /proc/self/stat (fields 16 and 17), 0 where there is no /proc. */
function childrenSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): field 3 is the first.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / USER_HZ;
  } catch {
    return 0;
  }
}

export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6 + childrenSeconds();
}
