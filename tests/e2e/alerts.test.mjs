// Executive alerts: rules edited and tried in the settings screen, an alert raised for a case whose
// agency's key contact is a cabinet secretary, its email received by the local SMTP server, and
// its acknowledgement.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { identify, launch, openCase, receivedMail, setupMail, shoot, step as journeyStep } from "./app.mjs";

describe("executives are alerted when a case meets the criteria", () => {
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

  step("mail is set up to the local server", async () => {
    await setupMail(s);
  });

  step("the sample's alerts wait on the dashboard for acknowledgement", async () => {
    await (await s.findWithText("nav a", "Dashboard")).click();
    const open = await s.find("[data-testid=open-alerts]");
    await s.waitFor(async () => /A key contact of the agency is a senior official/.test(await open.text()), { what: "the key-contact alert" });
    assert.match(await open.text(), /Not acknowledged/, "status in words, not colour alone");
    await shoot(s, "50-dashboard-alerts");
  });

  step("a bad rule is refused beside its condition; a good one is tried against the open cases", async () => {
    await (await s.findWithText("nav a", "Alert rules")).click();
    const table = await s.find("[data-testid=alert-rules]");
    // The rules are read once the screen is drawn (its code may still be loading on first visit).
    await s.waitFor(async () => /Cabinet secretary/.test(await table.text()), { what: "the built-in criteria listed in words" });
    await (await s.find("[data-testid=new-rule]")).click();
    await (await s.find("#rule-name")).fill("Unemployment claims");
    await (await s.findWithText("button", "Test against open cases")).click();
    const err = await s.find("[data-testid=condition-1\\.1] .error");
    assert.match(await err.text(), /Enter a value to compare with/);
    await (await s.find("#cond-1-1-value")).fill("Department of Workforce Solutions");
    await (await s.findWithText("button", "Add a condition to 1")).click();
    await (await s.find("#cond-1-2-field")).choose("text");
    await (await s.find("#cond-1-2-op")).choose("contains");
    await (await s.find("#cond-1-2-value")).fill("claims");
    await (await s.findWithText("button", "Test against open cases")).click();
    const trial = await s.find("[data-testid=rule-trial]");
    await s.waitFor(async () => /Would match/.test(await trial.text()), { what: "the trial result" });
    assert.match(await trial.text(), /INC0104233/, await trial.text());
    await shoot(s, "51-alert-rule-editor");
    await (await s.findWithText("button", "Save rule")).click();
    await s.findWithText("[role=status]", "Saved “Unemployment claims”");
    await s.findWithText("[data-testid=alert-rules]", "Unemployment claims");
  });

  step("a new case for the cabinet secretary's agency alerts the executives by email", async () => {
    await openCase(s, {
      ticket: "INC0200777",
      title: "Employer tax filing site down",
      agency: "Department of Workforce Solutions",
      service: "Employer Tax Portal",
    });
    const alerts = await s.find("[data-testid=case-alerts]");
    assert.match(await alerts.text(), /A key contact of the agency is a senior official/);
    assert.match(await alerts.text(), /robert\.chavez@doit\.state\.gov/);
    await s.findWithText("[data-testid=timeline]", "Executive alert");
    const mail = await s.waitFor(
      () => receivedMail().find((m) => m.includes("INC0200777") && /Subject: .*Executive alert/.test(m) && m.includes("senior official")),
      { timeout: 20000, what: "the alert email" },
    );
    assert.match(mail, /X-Test-Rcpt-To: .*robert\.chavez@doit\.state\.gov/);
    await shoot(s, "52-case-alert");
  });

  step("the alert is acknowledged with a note and leaves the dashboard", async () => {
    const openFor = async (ticket) => {
      await (await s.findWithText("nav a", "Dashboard")).click();
      const items = await (await s.find("[data-testid=open-alerts]")).findAll("li");
      let n = 0;
      for (const li of items) if ((await li.text()).includes(ticket)) n++;
      return n;
    };
    const before = await openFor("INC0200777");
    assert.ok(before >= 1, "the new case's alert is on the dashboard");
    await (await s.findWithText("[data-testid=open-alerts] a", "INC0200777")).click();
    await s.findWithText("h1", "INC0200777");
    await (await s.findWithText("[data-testid=case-alerts] button", "Acknowledge…")).click();
    await (await s.find("[data-testid=case-alerts] input[type=text]")).fill("CIO briefed by phone");
    await (await s.findWithText("[data-testid=case-alerts] button", "Acknowledge")).click();
    await s.findWithText("[data-testid=case-alerts]", "CIO briefed by phone");
    await s.findWithText("[data-testid=timeline]", "Acknowledged executive alert");
    await shoot(s, "53-alert-acknowledged");
    assert.equal(await openFor("INC0200777"), before - 1, "one alert fewer awaits acknowledgement");
  });
});
