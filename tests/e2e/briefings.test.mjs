// A manager reads the portfolio figures on the dashboard, opens the cases behind one, prints the
// portfolio briefing and a case briefing (PDFs read back with pdftotext), and exports the case as
// a case file (checked by the app's own command line).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { launchWithSample, shoot, step as journeyStep } from "./app.mjs";

const pdfText = (path) => execFileSync("pdftotext", ["-enc", "UTF-8", path, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");

describe("figures and briefings", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);
  let exported;

  before(async () => {
    ({ session: s } = await launchWithSample());
  });
  after(async () => {
    await s?.quit();
  });

  const tile = async (key) => (await (await s.find(`[data-testid=figure-${key}] .tile-value`)).text()).trim();

  step("the dashboard's figures count the period's cases and each figure opens the cases behind it", async () => {
    await s.find("[data-testid=figures]");
    await s.waitFor(async () => (await tile("all")) === "4", { what: "the four sample cases in the last 30 days" });
    assert.equal(await tile("active"), "4");
    const bar = await s.find("[data-testid=chart-stage] button[aria-label^='Appraisal']");
    assert.equal(await bar.attr("aria-label"), "Appraisal: 1 case");
    await bar.click();
    const list = await s.find("[data-testid=figure-cases]");
    assert.match(await list.text(), /Stage Appraisal: 1 case\b/);
    assert.match(await list.text(), /INC0104233/);
    assert.doesNotMatch(await list.text(), /INC0104251/);
    await (await s.find("[data-testid=figure-all]")).click();
    await s.waitFor(async () => /Cases in the period: 4 cases/.test(await (await s.find("[data-testid=figure-cases]")).text()), { what: "all four listed" });
    await shoot(s, "80-dashboard-figures");
  });

  step("one click prints the portfolio briefing: its figures and every case, with their chain heads", async () => {
    await (await s.find("[data-testid=portfolio-briefing]")).click();
    const path = await (await s.find("[data-testid=portfolio-briefing-path]")).text();
    assert.match(await (await s.find("[data-testid=portfolio-briefing-status]")).text(), /\d+ pages?, \d+ KB/);
    const text = pdfText(path);
    assert.match(text, /Portfolio briefing/);
    assert.match(text, /4 cases were open during the period; 4 are active now/);
    for (const t of ["INC0104233", "INC0104251", "INC0104270", "RITM0087710"]) assert.ok(text.includes(t), `${t} in the briefing`);
    assert.match(text, /Chain heads/);
    assert.match(text, /Cases by stage/);
  });

  step("a case page prints its briefing", async () => {
    await (await s.findWithText("a", "INC0104233")).click();
    await s.findWithText("h1", "INC0104233");
    await (await s.find("[data-testid=case-briefing]")).click();
    const path = await (await s.find("[data-testid=case-briefing-path]")).text();
    const text = pdfText(path);
    assert.match(text, /Case briefing/);
    assert.match(text, /Unemployment claims portal unavailable statewide/);
    assert.match(text, /Escalated · Appraisal/);
    assert.match(text, /Priya Natarajan/);
    assert.match(text, /Next decision needed/);
    await shoot(s, "81-case-briefing-printed");
  });

  step("the case exports as a case file that verifies", async () => {
    await (await s.find("[data-testid=case-file]")).click();
    const path = await (await s.find("[data-testid=case-file-path]")).text();
    assert.match(path, /CaseFile-INC0104233-.*\.zip$/);
    const said = execFileSync(process.env.E2E_APP, ["case-file", "verify", path], { encoding: "utf8" });
    assert.match(said, /verifies: ESC-\d+ \(INC0104233\)/);
    await shoot(s, "82-case-file-exported");
    exported = path;
  });

  step("importing that case file into the desk it came from is refused by name, nothing imported", async () => {
    await (await s.findWithText("nav a", "Dashboard")).click();
    await s.findWithText("h1", "Dashboard");
    await s.waitFor(async () => /active cases?$/.test(await (await s.find("[data-testid=active-total]")).text()), { what: "the dashboard's total" });
    const before = await (await s.find("[data-testid=active-total]")).text();
    // The file chooser is the system's; WebDriver hands the input its path as a user choosing it would.
    const input = await s.find("[data-testid=import-case-file-input]");
    await s.execute(`arguments[0].hidden = false;`, [input.ref()]);
    await input.type(exported);
    const error = await s.find("[data-testid=import-case-file-error]");
    assert.match(await error.text(), /INC0104233 is already on this desk as ESC-\d+: a case file is imported once; nothing was imported/);
    assert.equal(await (await s.find("[data-testid=active-total]")).text(), before);
    await shoot(s, "83-case-file-import-refused");
  });
});
