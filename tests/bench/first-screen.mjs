// Benchmark: the real app's first screen and idle memory on a small desk and on a full one.
// For each desk (a copy of it, opened by every start) the built app is started
// through tauri-driver, and timed from the request that starts it to the dashboard drawn with its
// first page of cases; once the start-up timeline check has finished and the window has been idle
// for a few seconds, the memory of the app and its WebKit processes is summed (PSS, so pages shared
// between them count once). Fails when the full desk's median first screen or idle memory exceeds
// 1.5x the small desk's.
//
// Usage (tests/bench/first-screen sets up the display and the driver):
//   node tests/bench/first-screen.mjs <app-binary> <small.sqlite3> <large.sqlite3>
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session } from "../e2e/webdriver.mjs";

const BUDGET = 1.5;
const STARTS = Number(process.env.FIRST_SCREEN_STARTS ?? 5);
const IDLE_MS = 5000;

const [app, small, large] = process.argv.slice(2).map((p) => p && resolve(p));
if (!app || !small || !large) {
  console.error("usage: node tests/bench/first-screen.mjs <app-binary> <small.sqlite3> <large.sqlite3>");
  process.exit(2);
}

/** The pids of the process whose command line names `db`, and of its descendants. */
function processTree(db) {
  const parents = new Map();
  let root = null;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: the parent pid follows the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline[0] === app && cmdline.includes(db)) root = Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  if (root === null) throw new Error(`no running app on ${db}`);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** Proportional set size of `pid` in bytes. */
function pss(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = /^Pss:\s+(\d+) kB/m.exec(rollup);
  if (!kb) throw new Error(`no Pss in /proc/${pid}/smaps_rollup`);
  return Number(kb[1]) * 1024;
}

async function start(db) {
  const t0 = performance.now();
  const s = await Session.start({ application: app, args: ["--db", db] });
  try {
    // Drawn: the case count has replaced "Loading…" and the first page of rows is in the table.
    await s.waitFor(
      async () => {
        const [total] = await s.findAll("[data-testid=active-total]");
        if (!total || !/active case/.test(await total.text())) return null;
        return (await s.findAll("table.data tbody tr")).length > 0;
      },
      { timeout: 60000, interval: 20, what: "the dashboard with its first page of cases" },
    );
    const firstScreen = performance.now() - t0;
    const active = await (await s.find("[data-testid=active-total]")).text();
    // Idle: the timeline check that runs on start has reported, and nothing else is asked of it.
    await s.find("[data-testid=integrity]", { timeout: 300000 });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const pids = processTree(db);
    const each = pids.map((pid) => ({ pid, name: readFileSync(`/proc/${pid}/comm`, "utf8").trim(), pss: pss(pid) }));
    const memory = each.reduce((sum, p) => sum + p.pss, 0);
    const parts = each.map((p) => `${p.name} ${mib(p.pss)}`).join(", ");
    return { firstScreen, memory, processes: pids.length, active, parts };
  } finally {
    await s.quit();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`;

const results = {};
for (const [name, desk] of [["small", small], ["large", large]]) {
  // A copy, so the generated desk stays as generated; every start opens the same copy.
  const dir = mkdtempSync(join(tmpdir(), "escalation-desk-first-screen-"));
  const db = join(dir, "desk.sqlite3");
  copyFileSync(desk, db);
  const runs = [];
  // The first start warms the disk cache and WebKit's own caches; it is shown but not counted.
  for (let i = 0; i <= STARTS; i++) {
    const r = await start(db);
    console.log(
      `${name} desk, start ${i}${i === 0 ? " (warm-up)" : ""}: first screen ${r.firstScreen.toFixed(0)} ms, ` +
        `idle memory ${mib(r.memory)} in ${r.processes} processes (${r.parts}; ${r.active})`,
    );
    if (i > 0) runs.push(r);
  }
  rmSync(dir, { recursive: true, force: true });
  results[name] = { firstScreen: median(runs.map((r) => r.firstScreen)), memory: median(runs.map((r) => r.memory)) };
}

let over = false;
for (const [what, format] of [["firstScreen", (v) => `${v.toFixed(0)} ms`], ["memory", mib]]) {
  const ratio = results.large[what] / results.small[what];
  const label = what === "firstScreen" ? "first screen (start to dashboard drawn)" : "idle memory (app + WebKit, PSS)";
  console.log(`${label}: ${format(results.large[what])} on the full desk against ${format(results.small[what])} on the small one: ${ratio.toFixed(2)}x (budget ${BUDGET}x)`);
  if (ratio > BUDGET) over = true;
}
if (over) {
  console.error("over budget");
  process.exit(1);
}
console.log("first screen and idle memory within budget");
