// Action plans: both plans side by side, saved as revisions, reviewed, compared; then the case
// can move from Appraisal to Resolving.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { identify, launch, shoot, step as journeyStep } from "./app.mjs";

describe("the escalation manager drafts, reviews and revises both action plans", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
    await identify(s);
    await (await s.find("[data-testid=load-sample]")).click();
    await (await s.findWithText("a", "INC0104233")).click();
    await s.findWithText("h1", "INC0104233");
  });
  after(async () => {
    await s?.quit();
  });

  step("moving to Resolving is refused until both plans have an action and a review", async () => {
    const why = await s.find("#why-advance");
    assert.match(await why.text(), /an action on the escalation plan.*a first review of the technical plan/s);
  });

  step("each plan gets an action and is saved as revision 1", async () => {
    const esc = await s.find("[data-testid=plan-escalation]");
    await (await s.findWithText("[data-testid=plan-escalation] button", "Add action")).click();
    await (await s.find("#escalation-desc-0")).fill("Get a vendor DBA on the bridge");
    await (await s.findWithText("[data-testid=plan-escalation] button", "+ Resource needed")).click();
    await (await s.find("#escalation-res-0-0")).fill("Senior DBA");
    await (await s.find("#escalation-from-0-0")).fill("Apex Network Services");
    await (await s.findWithText("[data-testid=plan-escalation] button", "Save revision")).click();
    await s.waitFor(async () => /revision 1/.test(await esc.text()), { what: "escalation revision 1" });

    const tech = await s.find("[data-testid=plan-technical]");
    await (await s.findWithText("[data-testid=plan-technical] button", "Add action")).click();
    await (await s.find("#technical-desc-0")).fill("Fail over the claims database to the DR site");
    await (await s.findWithText("[data-testid=plan-technical] button", "Save revision")).click();
    await s.waitFor(async () => /revision 1/.test(await tech.text()), { what: "technical revision 1" });
  });

  step("both plans are reviewed, one is revised, and the two revisions are compared", async () => {
    for (const kind of ["escalation", "technical"]) {
      await (await s.find(`#${kind}-review-notes`)).fill("Agreed with the team on the bridge");
      await (await s.findWithText(`[data-testid=plan-${kind}] button`, "Record review")).click();
      await s.findWithText(`[data-testid=plan-${kind}]`, "Last review");
    }
    await (await s.find("#technical-status-0")).choose("in_progress");
    await (await s.findWithText("[data-testid=plan-technical] button", "Add action")).click();
    await (await s.find("#technical-desc-1")).fill("Replay the failed certifications");
    await (await s.findWithText("[data-testid=plan-technical] button", "Save revision")).click();
    const tech = await s.find("[data-testid=plan-technical]");
    await s.waitFor(async () => /revision 2/.test(await tech.text()), { what: "technical revision 2" });
    await (await s.findWithText("[data-testid=plan-technical] button", "Compare")).click();
    const diff = await s.find("[data-testid=plan-diff-technical]");
    const text = await diff.text();
    assert.match(text, /Changed: Fail over the claims database/);
    assert.match(text, /status: open → in progress/);
    assert.match(text, /Added: Replay the failed certifications/);
    await shoot(s, "40-action-plans");
  });

  step("with both plans in place the case moves to Resolving", async () => {
    await (await s.find("button[data-action=advance]")).click();
    await s.findWithText(".badges", "Stage: Resolving");
    await s.findWithText("[data-testid=timeline]", "Technical action plan revision 2: 1 added, 1 changed, 0 removed");
  });
});
