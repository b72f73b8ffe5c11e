// A second start on the same database file is refused: it asks the running window to come
// forward and leaves; the running window goes on as before.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { identify, launch, step as journeyStep } from "./app.mjs";

describe("a second Escalation Desk on the same database", () => {
  let s;
  let db;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s, db } = await launch());
    await identify(s);
  });
  after(async () => {
    await s?.quit();
  });

  step("is refused with a message and brings the first window forward instead", async () => {
    const second = spawnSync(resolve(process.env.E2E_APP), ["--db", db], { encoding: "utf8", timeout: 30000 });
    assert.equal(second.error, undefined, "the second start ends by itself");
    assert.equal(second.status, 0, `it leaves quietly: ${second.stderr}`);
    assert.match(second.stderr, /already open on .*desk\.sqlite3/, "and says why");
    // The first window is unaffected and still takes changes.
    await (await s.findWithText("nav a", "New case")).click();
    await s.findWithText("h1", "New case");
  });
});
