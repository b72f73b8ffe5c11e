// A newcomer loads the sample data and sees escalated and elevated cases, and a problem case
// relating two incidents.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { identify, launch, shoot, step as journeyStep } from "./app.mjs";

describe("a newcomer loads the sample escalations", () => {
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

  step("loading sample data fills both groups of the dashboard, most urgent first", async () => {
    await (await s.find("[data-testid=load-sample]")).click();
    const escalated = await s.find("[data-testid=escalated-cases]");
    const elevated = await s.find("[data-testid=elevated-cases]");
    const rows = await escalated.findAll("tbody tr");
    assert.equal(rows.length, 2, "two escalated sample cases");
    assert.match(await rows[0].text(), /P1 Critical.*INC0104233/s, "the P1 comes first");
    assert.match(await elevated.text(), /RITM0087710/);
    await shoot(s, "10-dashboard-sample-data");
  });

  // The dashboard's case lists (the figures panel below them has tables of its own).
  const CASE_ROWS = "[data-testid=escalated-cases] tbody tr, [data-testid=elevated-cases] tbody tr";

  step("filtering by text and by stage narrows the list", async () => {
    await (await s.find("#filter-text")).fill("corrections");
    await s.waitFor(async () => (await s.findAll(CASE_ROWS)).length === 1, { what: "one matching row" });
    assert.match(await (await s.find(CASE_ROWS)).text(), /INC0104251/);
    await (await s.find("#filter-text")).fill("");
    await (await s.find("#filter-stage")).choose("appraisal");
    // The list reloads shortly after each change: wait for the filtered result, not just one row.
    await s.waitFor(async () => {
      const rows = await s.findAll(CASE_ROWS);
      return rows.length === 1 && /INC0104233/.test(await rows[0].text());
    }, { what: "only the case in appraisal" });
    await (await s.find("#filter-stage")).choose("");
  });

  step("the order can be chosen, the total is shown, and short lists have no page controls", async () => {
    await s.waitFor(async () => /^4 active cases$/.test(await (await s.find("[data-testid=active-total]")).text()), { what: "the total of both groups" });
    await (await s.find("#filter-sort")).choose("newest_first");
    await s.waitFor(async () => {
      const rows = await (await s.find("[data-testid=escalated-cases]")).findAll("tbody tr");
      return rows.length === 2 && /INC0104251/.test(await rows[0].text()) && /INC0104233/.test(await rows[1].text());
    }, { what: "the escalated cases newest first (the P2 opened after the P1)" });
    assert.equal((await s.findAll("[data-testid=escalated-pages]")).length, 0, "two rows fit on one page: no pager");
    await (await s.find("#filter-sort")).choose("priority");
  });

  step("the problem case shows both related incidents on each incident's page", async () => {
    await (await s.findWithText("a", "INC0104233")).click();
    const panel = await s.findWithText("[data-testid=problem-panel]", "PRB0040012");
    const text = await panel.text();
    assert.match(text, /Related incidents \(2\)/);
    assert.match(text, /INC0104270/);
    await shoot(s, "11-case-with-problem");
  });

  step("a long list shows a page at a time, with its total and page controls", async () => {
    // Thirty more escalated cases, written straight into the desk's file (the store's totals are
    // kept by triggers, so they count these too).
    execFileSync("python3", ["-c", `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
now = c.execute("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')").fetchone()[0]
# A case names its agency and service by directory id.
for table, name in (("agencies", "Department of Health"), ("services", "Email")):
    c.execute(f"INSERT INTO {table} (name, created_at, updated_at) SELECT ?, ?, ? WHERE NOT EXISTS "
              f"(SELECT 1 FROM {table} WHERE name = ? COLLATE NOCASE)", (name, now, now, name))
agency = c.execute("SELECT id FROM agencies WHERE name = 'Department of Health' COLLATE NOCASE").fetchone()[0]
service = c.execute("SELECT id FROM services WHERE name = 'Email' COLLATE NOCASE").fetchone()[0]
for i in range(30):
    c.execute("""INSERT INTO cases (kind, ticket, title, description, agency, affected_service, impact, urgency,
        priority, reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at,
        timeline_head, agency_id, service_id) VALUES ('incident', ?, ?, '', 'Department of Health', 'Email', 'low', 'low', 'P4', 'Desk',
        'Dana Whitfield', 'escalated', 'Load test', 'intake', ?, 1, ?, ?, ?, ?)""",
        ("INC09%05d" % i, "Mailbox quota warnings, office %d" % i, now, now, "0" * 64, agency, service))
c.commit()
`, db]);
    await (await s.findWithText("nav a", "Dashboard")).click();
    const pager = await s.find("[data-testid=escalated-pages]");
    assert.match(await pager.text(), /1–25 of 32/, "the first 25 of 32 escalated cases");
    assert.equal((await (await s.find("[data-testid=escalated-cases]")).findAll("tbody tr")).length, 25);
    assert.match(await (await s.find("[data-testid=active-total]")).text(), /34 active cases/);
    await shoot(s, "12-dashboard-pages");
    await (await s.find("[data-testid=escalated-pages] button[aria-label='Next page of escalated cases']")).click();
    await s.waitFor(async () => /26–32 of 32/.test(await (await s.find("[data-testid=escalated-pages]")).text()), { what: "the second page" });
    assert.equal((await (await s.find("[data-testid=escalated-cases]")).findAll("tbody tr")).length, 7, "the rest on page 2");
    await shoot(s, "13-dashboard-second-page");
  });
});
