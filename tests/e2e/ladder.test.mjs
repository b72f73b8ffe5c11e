// The hierarchical escalation ladder: set it up, raise a case, see the level and the notice.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { identify, launch, shoot, step as journeyStep } from "./app.mjs";

async function pick(s, selectCss, name) {
  const select = await s.find(selectCss);
  for (const o of await select.findAll("option")) if ((await o.text()).startsWith(name)) return select.choose(await o.attr("value"));
  throw new Error(`${name} is not offered in ${selectCss}`);
}

describe("the escalation manager climbs the escalation ladder", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
    await identify(s);
    await (await s.find("[data-testid=load-sample]")).click();
    await s.find("[data-testid=escalated-cases]");
  });
  after(async () => {
    await s?.quit();
  });

  step("a ladder level without people is refused; a two-level ladder is saved", async () => {
    await (await s.findWithText("nav a", "Directory")).click();
    await (await s.find("#tab-ladder")).click();
    await s.find("#ladder-name-0");
    await pick(s, "#ladder-people-0", "Grace Kim");
    await (await s.findWithText("li.panel button", "Add")).click();
    await (await s.findWithText("button", "Save ladder")).click();
    assert.match(await (await s.find(".ladder .message.error")).text(), /Level 2: name at least one person/);
    await (await s.findWithText("button", "Remove level")).click(); // level 3
    await (await s.findWithText("button", "Remove level")).click(); // level 2
    await (await s.find("#ladder-name-0")).fill("Department manager");
    await (await s.findWithText("button", "Add level")).click();
    await (await s.find("#ladder-name-1")).fill("Chief information officer");
    await pick(s, "#ladder-people-1", "Robert Chavez");
    const adds = await s.findAll("li.panel button");
    for (const b of adds) if ((await b.text()) === "Add" && (await b.attr("disabled")) === null) { await b.click(); break; }
    await s.findWithText("li.panel", "Robert Chavez");
    await (await s.findWithText("button", "Save ladder")).click();
    await s.findWithText(".ladder [role=status]", "Saved");
  });

  step("a case is raised to level 1 with a reason; the level shows and its people are notified", async () => {
    await (await s.findWithText("nav a", "Dashboard")).click();
    await (await s.findWithText("a", "INC0104251")).click();
    await s.findWithText("h1", "INC0104251");
    await (await s.findWithText("button", "Raise to level 1: Department manager")).click();
    await (await s.findWithText("button", "Raise to level 1")).click();
    assert.match(await (await s.find("#hierarchy-reason + .error, [data-testid=hierarchy] .error")).text(), /Enter the reason/);
    await (await s.find("#hierarchy-reason")).fill("Vendor has not joined the bridge for 2 hours");
    await (await s.findWithText("button", "Raise to level 1")).click();
    await s.findWithText("[data-testid=hierarchy]", "Hierarchy level 1: Department manager");
    await s.findWithText("[data-testid=timeline]", "Raised to level 1 (Department manager)");
    await shoot(s, "45-hierarchy-raised");
    await (await s.findWithText("nav a", "Outbox")).click();
    const table = await s.find("[data-testid=outbox-table]");
    await s.waitFor(async () => /Escalated to you \(level 1, Department manager\)/.test(await table.text()), { what: "the notice" });
    assert.match(await table.text(), /grace\.kim@doit\.state\.gov/);
    await (await s.findWithText("nav a", "Dashboard")).click();
    await s.findWithText("[data-testid=escalated-cases]", "Hierarchy level 1");
  });
});
