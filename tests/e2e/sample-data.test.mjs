// A newcomer loads the sample data and sees escalated and elevated cases, and a problem case
// relating two incidents.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { identify, launch, shoot, step as journeyStep } from "./app.mjs";

describe("a newcomer loads the sample escalations", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
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

  step("filtering by text and by stage narrows the list", async () => {
    await (await s.find("#filter-text")).fill("corrections");
    await s.waitFor(async () => (await s.findAll("tbody tr")).length === 1, { what: "one matching row" });
    assert.match(await (await s.find("tbody tr")).text(), /INC0104251/);
    await (await s.find("#filter-text")).fill("");
    await (await s.find("#filter-stage")).choose("appraisal");
    // The list reloads shortly after each change: wait for the filtered result, not just one row.
    await s.waitFor(async () => {
      const rows = await s.findAll("tbody tr");
      return rows.length === 1 && /INC0104233/.test(await rows[0].text());
    }, { what: "only the case in appraisal" });
    await (await s.find("#filter-stage")).choose("");
  });

  step("the problem case shows both related incidents on each incident's page", async () => {
    await (await s.findWithText("a", "INC0104233")).click();
    const panel = await s.findWithText("[data-testid=problem-panel]", "PRB0040012");
    const text = await panel.text();
    assert.match(text, /Related incidents \(2\)/);
    assert.match(text, /INC0104270/);
    await shoot(s, "11-case-with-problem");
  });
});
