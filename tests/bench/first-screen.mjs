// Benchmark: the real app's first screen and idle memory, against a bare Tauri window and on a
// small desk against a full one.
// Each is started through tauri-driver and timed from the request that starts it to its first
// usable screen: for the app, the dashboard drawn with its first page of cases; for the bare window
// (tests/bench/bare-window: the same tauri, one static page, nothing of ours), its page shown.
// Both pages mark ("first-screen") the task after the frame that draws it, once it is laid out and
// painted (a mark in the frame's own callback comes before both, and left out the app's painting);
// the time is the page's start on this machine's clock (performance.timeOrigin) plus that mark, so
// the driver's polling adds nothing to either. Each line also shows when the page began and the
// steps marked in it (bundle run, session read, first rows, first contentful paint).
// Once the app's start-up timeline check has finished and the window has been idle for a few
// seconds, the memory of the process and its WebKit processes is summed (PSS, so pages shared
// between them count once). Budgets, each on the medians, each enforced (a result over one is
// confirmed with a second set of starts before it fails the run, below):
// - the app on the small desk within 1.5x of the bare window's start and 1.3x of its memory
//   (issue 15: what our code adds to any Tauri window);
// - the app on the full desk within 1.5x of the app on the small desk, for both (issue 11).
//
// Usage (tests/bench/first-screen sets up the display and the driver):
//   node tests/bench/first-screen.mjs <app-binary> <bare-window-binary> <small.sqlite3> <large.sqlite3>
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { processTree } from "../e2e/procs.mjs";
import { Session } from "../e2e/webdriver.mjs";

const BUDGET = 1.5;
const BARE_START_BUDGET = 1.5;
const BARE_MEMORY_BUDGET = 1.3;
// Seven counted starts of each: the time before the page begins (the process, tauri, the webview:
// the same code in both) varies by ~150 ms between starts here, which five medians felt.
const STARTS = Number(process.env.FIRST_SCREEN_STARTS ?? 7);
const IDLE_MS = 5000;

const [app, bare, small, large] = process.argv.slice(2).map((p) => p && resolve(p));
if (!app || !bare || !small || !large) {
  console.error("usage: node tests/bench/first-screen.mjs <app-binary> <bare-window-binary> <small.sqlite3> <large.sqlite3>");
  process.exit(2);
}

/** Proportional set size of `pid` in bytes. */
function pss(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = /^Pss:\s+(\d+) kB/m.exec(rollup);
  if (!kb) throw new Error(`no Pss in /proc/${pid}/smaps_rollup`);
  return Number(kb[1]) * 1024;
}

/** Memory of the process tree, in all and by process. */
function treeMemory(pids) {
  const each = pids.map((pid) => ({ pid, name: readFileSync(`/proc/${pid}/comm`, "utf8").trim(), pss: pss(pid) }));
  return { memory: each.reduce((sum, p) => sum + p.pss, 0), parts: each.map((p) => `${p.name} ${mib(p.pss)}`).join(", ") };
}

/** From `t0` (this machine's clock, ms) to the page's "first-screen" mark, and to the page's own
 *  start (its navigation: what came before is the process, tauri and the webview, not the page). */
async function firstScreenSince(s, t0) {
  const [origin, at, steps] = await s.waitFor(
    () =>
      s.execute(
        `const m = performance.getEntriesByName("first-screen")[0];
         if (!m) return null;
         const nav = performance.getEntriesByType("navigation")[0];
         const steps = [["page loaded", nav && nav.responseEnd], ["DOM ready", nav && nav.domInteractive]]
           .concat(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]))
           .concat(performance.getEntriesByType("mark").map((e) => [e.name, e.startTime]))
           .filter(([, t]) => t > 0)
           .map(([n, t]) => n + " " + Math.round(t))
           .join(", ");
         return [performance.timeOrigin, performance.timeOrigin + m.startTime, steps];`,
      ),
    { timeout: 10000, interval: 20, what: "the first-screen mark" },
  );
  return { firstScreen: at - t0, pageBegan: origin - t0, steps };
}

/** The bare window: started, its page shown, idle, measured. */
async function startBare() {
  const t0 = Date.now();
  const s = await Session.start({ application: bare, args: [] });
  try {
    await s.find("[data-testid=bare-ready]", { timeout: 60000 });
    const times = await firstScreenSince(s, t0);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const pids = processTree(bare);
    return { ...times, processes: pids.length, ...treeMemory(pids), active: "a static page" };
  } finally {
    await s.quit();
  }
}

async function start(db) {
  const t0 = Date.now();
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
    const times = await firstScreenSince(s, t0);
    const active = await (await s.find("[data-testid=active-total]")).text();
    // Idle: the timeline check that runs on start has reported, and nothing else is asked of it.
    await s.find("[data-testid=integrity]", { timeout: 300000 });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const pids = processTree(app, db);
    return { ...times, processes: pids.length, active, ...treeMemory(pids) };
  } finally {
    await s.quit();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`;

// The starts are taken in turns (bare window, small desk, full desk, then again), so a change in
// the machine's speed during the run (another process, the disk cache) falls on all three alike.
const kinds = [["bare", null], ["small", small], ["large", large]].map(([name, desk]) => {
  // A copy, so the generated desk stays as generated; every start opens the same copy.
  const dir = mkdtempSync(join(tmpdir(), "escalation-desk-first-screen-"));
  const db = join(dir, "desk.sqlite3");
  if (desk) copyFileSync(desk, db);
  return { name, desk, dir, db, runs: [] };
});

/** Takes `count` counted starts of each kind in turns (after a warm-up start of each when
 *  `warmUp`: it warms the disk cache and WebKit's own caches, and is shown but not counted). */
async function takeStarts(count, warmUp) {
  for (let i = warmUp ? 0 : 1; i <= count; i++) {
    for (const k of kinds) {
      const r = k.desk ? await start(k.db) : await startBare();
      console.log(
        `${k.desk ? `${k.name} desk` : "bare window"}, start ${i === 0 ? "0 (warm-up)" : k.runs.length + 1}: first screen ${r.firstScreen.toFixed(0)} ms (the page began at ${r.pageBegan.toFixed(0)}; in it, ${r.steps}), ` +
          `idle memory ${mib(r.memory)} in ${r.processes} processes (${r.parts}; ${r.active})`,
      );
      if (i > 0) k.runs.push(r);
    }
  }
}

const ms = (v) => `${v.toFixed(0)} ms`;
// Budgets on the medians of every counted start so far: [label, measure, format, this, against
// that, names, budget].
const checks = [
  ["first screen (start to first usable screen)", "firstScreen", ms, "small", "bare", "the app on the small desk", "the bare window", BARE_START_BUDGET],
  ["idle memory (process + WebKit, PSS)", "memory", mib, "small", "bare", "the app on the small desk", "the bare window", BARE_MEMORY_BUDGET],
  ["first screen (start to dashboard drawn)", "firstScreen", ms, "large", "small", "the full desk", "the small one", BUDGET],
  ["idle memory (app + WebKit, PSS)", "memory", mib, "large", "small", "the full desk", "the small one", BUDGET],
];

/** Prints each budget's ratio on the medians of the starts taken; true when one is over. */
function judge() {
  const results = {};
  for (const k of kinds) {
    results[k.name] = { firstScreen: median(k.runs.map((r) => r.firstScreen)), memory: median(k.runs.map((r) => r.memory)) };
  }
  let over = false;
  for (const [label, what, format, a, b, aName, bName, budget] of checks) {
    const ratio = results[a][what] / results[b][what];
    console.log(
      `${label}: ${format(results[a][what])} for ${aName} against ${format(results[b][what])} for ${bName} (medians of ${kinds[0].runs.length} starts): ` +
        `${ratio.toFixed(2)}x (budget ${budget}x)${ratio <= budget ? "" : ": OVER BUDGET"}`,
    );
    if (ratio > budget) over = true;
  }
  return over;
}

try {
  await takeStarts(STARTS, true);
  let over = judge();
  // The time before either page begins (the process, tauri, the webview: the same code in both)
  // varies between starts here by ~250 ms, more than the margin of the start budget (the app
  // measured 1.23x-1.46x of the bare window in runs of the same code). A result over a budget is
  // therefore confirmed before it fails the run: as many starts again, and the budgets judged on
  // the medians of all of them. A real regression stays over; one unlucky set of starts does not.
  if (over) {
    console.log(`over budget on ${STARTS} starts of each: confirming with ${STARTS} more`);
    await takeStarts(STARTS, false);
    over = judge();
  }
  if (over) {
    console.error("over budget");
    process.exitCode = 1;
  } else {
    console.log("first screen and idle memory within budget");
  }
} finally {
  for (const k of kinds) rmSync(k.dir, { recursive: true, force: true });
}
