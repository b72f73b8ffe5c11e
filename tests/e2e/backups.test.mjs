// Backups of a workstation's desk (SQLite only: a team desk is backed up by its server): the day's
// backup taken at start and listed in Settings, how many to keep checked beside its field, a
// backup restored (checked, the app restarts itself and puts it in the desk's place, the replaced
// desk kept), and a damaged desk's start screen offering its backups instead of a new desk.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { identify, launch, openCase, shoot, step as journeyStep } from "./app.mjs";
import { processesRunning } from "./procs.mjs";
import { Session } from "./webdriver.mjs";

const sql = (db, query) =>
  execFileSync("python3", ["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], timeout=10)\nprint(c.execute(sys.argv[2]).fetchone()[0])", db, query], { encoding: "utf8" }).trim();

/** The pids of running apps whose command line names `db` (the restarted app is not the driver's). */
async function until(probe, what, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a workstation's desk is backed up every day and a backup can be restored", () => {
  let s;
  let db;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s, db } = await launch());
    await identify(s);
  });
  after(async () => {
    await s?.quit().catch(() => {});
    for (const pid of processesRunning(resolve(process.env.E2E_APP), db)) process.kill(pid, "SIGTERM");
  });

  step("the day's backup taken at start is listed in Settings with why it was taken", async () => {
    await (await s.findWithText("nav a", "Settings")).click();
    // Taken in the background at start: go back to Settings until it is there.
    await until(async () => {
      if ((await s.findAll("[data-testid=backup-row]")).length > 0) return true;
      await (await s.findWithText("nav a", "Dashboard")).click();
      await (await s.findWithText("nav a", "Settings")).click();
      await s.find("[data-testid=backups] h2");
      return false;
    }, "the day's backup");
    const row = await s.find("[data-testid=backup-row]");
    assert.match(await row.text(), /Daily/);
    const panel = await (await s.find("[data-testid=backups]")).text();
    assert.match(panel, /backups/, "it says where the backups are");
    await shoot(s, "90-backups-listed");
  });

  step("how many to keep is checked beside its field and then saved", async () => {
    const kept = await s.find("[data-testid=backups-kept]");
    await kept.fill("0");
    await (await s.findWithText("[data-testid=backups] button", "Save")).click();
    await s.findWithText("[data-testid=backups] .error, [data-testid=backups] [id$=-error]", "between 1 and 365");
    await kept.fill("3");
    await (await s.findWithText("[data-testid=backups] button", "Save")).click();
    await s.findWithText("[data-testid=backups] [role=status]", "Saved");
    assert.equal(sql(db, "SELECT backups_kept FROM workstation"), "3");
  });

  step("a backup is restored: checked, the app restarts, the desk is the backup's and the replaced desk is kept", async () => {
    // A case opened after the backup: the restore takes the desk back to before it.
    await openCase(s, { ticket: "INC0990001", title: "After the backup", agency: "Department of Revenue", service: "Tax portal" });
    assert.equal(sql(db, "SELECT COUNT(*) FROM cases WHERE ticket = 'INC0990001'"), "1");
    await (await s.findWithText("nav a", "Settings")).click();
    await (await s.find("[data-testid=backup-restore]")).click();
    await shoot(s, "91-backup-restore-confirm");
    await (await s.find("[data-testid=backup-restore-confirm]")).click();
    const said = await (await s.find("[data-testid=backup-restarting]")).text();
    assert.match(said, /passed its check \(0 cases, 0 events, every timeline verified\)/);
    await shoot(s, "92-backup-restarting");
    const backups = join(dirname(db), "backups");
    await until(() => readdirSync(backups).some((n) => n.endsWith("-replaced.sqlite3")), "the replaced desk in the backup folder");
    await until(() => sql(db, "SELECT COUNT(*) FROM cases") === "0", "the desk restored");
    const replaced = readdirSync(backups).find((n) => n.endsWith("-replaced.sqlite3"));
    assert.equal(sql(join(backups, replaced), "SELECT COUNT(*) FROM cases WHERE ticket = 'INC0990001'"), "1", "nothing the replaced desk held is lost");
    // The restarted window runs on the restored desk (not under the driver: it is stopped in after()).
    await until(() => processesRunning(resolve(process.env.E2E_APP), db).length > 0, "the restarted app");
  });
});

describe("a desk file that is damaged is reported with its backups, never made anew", () => {
  let s;
  let db;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    // A real desk and its backup, then the desk's file overwritten with garbage.
    const good = await launch();
    await identify(good.session);
    await good.session.quit();
    db = join(mkdtempSync(join(tmpdir(), "escalation-desk-e2e-")), "desk.sqlite3");
    mkdirSync(join(dirname(db), "backups"));
    // A real backup (the app's own command), under a daily backup's name of an earlier day.
    execFileSync(process.env.E2E_APP, ["backup", join(dirname(db), "backups", "desk-20261201T080000Z-daily.sqlite3"), "--db", good.db]);
    writeFileSync(db, Buffer.alloc(65536, 0x42));
    s = await Session.start({ application: resolve(process.env.E2E_APP), args: ["--db", db] });
  });
  after(async () => {
    await s?.quit();
  });

  step("the start screen says the file is damaged and left as it is, and lists the backups to restore", async () => {
    const error = await (await s.find("[data-testid=start-error]")).text();
    assert.match(error, /not a database/);
    assert.match(error, /The file is left as it is\. Restore a backup/);
    const row = await s.find("[data-testid=backup-row]");
    assert.match(await row.text(), /Daily/);
    await shoot(s, "93-damaged-desk-start");
    assert.ok(readFileSync(db).equals(Buffer.alloc(65536, 0x42)), "the damaged file is untouched");
  });
});
