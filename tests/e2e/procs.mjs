// The processes of this machine, read from /proc: which ones run a binary (on a given desk), and a
// process with its descendants (the app and its WebKit processes). Shared by the journeys that
// stop an app themselves (backups.test.mjs) and the first-screen benchmark (its memory).
import { readdirSync, readFileSync } from "node:fs";

/** Every process now: its pid, its parent's and its command line. */
function processes() {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: the parent pid follows the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      out.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** The pids running `binary` (an absolute path) with `arg` on their command line, if given. */
export function processesRunning(binary, arg) {
  return processes()
    .filter((p) => p.cmdline[0] === binary && (arg === undefined || p.cmdline.includes(arg)))
    .map((p) => p.pid);
}

/** The pid of the process running `binary` (with `arg`, if given), then those of its descendants. */
export function processTree(binary, arg) {
  const all = processes();
  const root = all.find((p) => p.cmdline[0] === binary && (arg === undefined || p.cmdline.includes(arg)));
  if (!root) throw new Error(`no running ${binary}${arg ? ` on ${arg}` : ""}`);
  const tree = [root.pid];
  for (let i = 0; i < tree.length; i++) {
    for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  }
  return tree;
}
