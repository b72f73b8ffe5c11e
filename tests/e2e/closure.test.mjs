// The golden path continued to closure: a refused close listing what is missing, the warranty
// started by the account representative with the customer's confirmation, a recurrence, a second
// resolution, the warranty's end, verification, the AAR, the review invitation received by the
// local SMTP server (and its update), the outcome handed to problem management, and the close.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { identify, launch, receivedMail, setupMail, shoot, signOff, sqlOnDesk, step as journeyStep, switchUser } from "./app.mjs";

const TICKET = "INC0104233";

describe("an escalated case goes from resolution through warranty and review to closure", () => {
  let s;
  let opened;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  async function openCasePage() {
    await (await s.findWithText("nav a", "Dashboard")).click();
    await (await s.findWithText("a", TICKET)).click();
    await s.findWithText("h1", TICKET);
  }

  before(async () => {
    opened = await launch();
    s = opened.session;
    await identify(s);
    await (await s.find("[data-testid=load-sample]")).click();
    await s.find("[data-testid=escalated-cases]");
    await setupMail(s);
    await openCasePage();
    // Appraisal -> Resolving needs an action and a review on each plan.
    for (const kind of ["escalation", "technical"]) {
      await (await s.findWithText(`[data-testid=plan-${kind}] button`, "Add action")).click();
      await (await s.find(`#${kind}-desc-0`)).fill(kind === "escalation" ? "Vendor DBA on the bridge" : "Fail over to the DR site");
      await (await s.findWithText(`[data-testid=plan-${kind}] button`, "Save revision")).click();
      await s.findWithText(`[data-testid=plan-${kind}]`, "revision 1");
      await (await s.find(`#${kind}-review-notes`)).fill("Agreed on the bridge");
      await (await s.findWithText(`[data-testid=plan-${kind}] button`, "Record review")).click();
      await s.findWithText(`[data-testid=plan-${kind}]`, "Last review");
    }
    await (await s.find("button[data-action=advance]")).click();
    await s.findWithText(".badges", "Stage: Resolving");
  });
  after(async () => {
    await s?.quit();
  });

  step("closing now is refused and the bar lists every missing step", async () => {
    const why = await s.find("#why-close");
    const text = await why.text();
    for (const missing of [/warranty completed/, /satisfaction verified/, /After Action Report/, /review held/, /problem management/]) {
      assert.match(text, missing);
    }
  });

  step("the warranty needs the account representative; with Tom Becker on the team it starts", async () => {
    await (await s.find("#w-resolutionSummary")).fill("Storage controller replaced; failover tested with the vendor");
    await (await s.find("#w-confirmedBy")).fill("Linda Morales");
    await (await s.find("[data-testid=start-warranty]")).click();
    const refused = await s.find("[data-testid=closure] .message.error");
    assert.match(await refused.text(), /customer account representative on the team/);
    await (await s.findWithText("button", "Appoint as Customer account rep.")).click();
    await s.findWithText("[data-testid=timeline]", "Tom Becker");
    await (await s.find("[data-testid=start-warranty]")).click();
    await s.findWithText(".badges", "Stage: Warranty");
    const standby = await s.find("[data-testid=standby]");
    assert.match(await standby.text(), /Tom Becker/);
    assert.match(await standby.text(), /Elena Vargas · ABRM/);
    assert.match(await (await s.find("[data-testid=warranty]")).text(), /\(30 days\), warranted by Tom Becker/);
    await shoot(s, "70-warranty");
  });

  step("a recurrence brings the case back to Resolving and the second resolution starts warranty 2", async () => {
    await (await s.find("[data-testid=recurred]")).click();
    await (await s.find("#r-description")).fill("Claims portal returned 503 again at 14:10");
    await (await s.findWithText("button", "Record the recurrence")).click();
    await s.findWithText(".badges", "Stage: Resolving");
    await s.findWithText("[data-testid=timeline]", "Recurred during warranty");
    // The second warranty starts from an empty form, not the first one's summary and confirmer.
    assert.equal(await (await s.find("#w-resolutionSummary")).property("value"), "");
    assert.equal(await (await s.find("#w-confirmedBy")).property("value"), "");
    await (await s.find("#w-resolutionSummary")).fill("Firmware fixed; load test passed");
    await (await s.find("#w-confirmedBy")).fill("Linda Morales");
    await (await s.find("#w-periodDays")).fill("14");
    await (await s.find("[data-testid=start-warranty]")).click();
    await s.findWithText(".badges", "Stage: Warranty");
    assert.match(await (await s.find("[data-testid=warranty]")).text(), /Warranty 2/);
  });

  step("when the warranty ends the case moves to Verification and a satisfied customer leads to Review", async () => {
    // Fourteen days pass: the warranty's end is moved into the past in the database file, and the
    // app's periodic check (every 2 s in these tests) does the rest.
    sqlOnDesk(opened, {
      sqlite: "UPDATE warranties SET ends_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-1 minute') WHERE outcome IS NULL",
      postgres: "UPDATE warranties SET ends_at = now() - interval '1 minute' WHERE outcome IS NULL",
    });
    // The case page stays open: the sweep's change reaches it as an event, with no navigation.
    const heading = await s.find("h1");
    await s.waitFor(async () => /Stage: Verification/.test(await (await s.find(".badges")).text()), {
      timeout: 20000,
      interval: 250,
      what: "the move to Verification on the open case page",
    });
    assert.match(await heading.text(), new RegExp(TICKET), "the same page, never reloaded by navigation");
    await s.findWithText("[data-testid=closure]", "The warranty has ended: verify continued satisfaction");
    await (await s.find("#v-contact")).fill("Linda Morales");
    await (await s.findWithText("label", "Satisfied")).click();
    await (await s.find("[data-testid=verify]")).click();
    await s.findWithText(".badges", "Stage: Review");
  });

  step("the After Action Report is written, approved by both and distributed", async () => {
    await (await s.find("[data-testid=open-aar]")).click();
    await (await s.findWithText("button", "Start the After Action Report")).click();
    for (const title of ["Executive summary", "Incident overview", "Strengths", "Areas for improvement", "Lessons learned", "Appendices"]) {
      await (await s.findWithText("nav[aria-label=Sections] button", title)).click();
      await s.findWithText("[data-testid=section-editor] h2", title);
      await (await s.find("[data-testid=section-editor] textarea")).paste(`${title}: written for the review.`);
      await (await s.find("[data-testid=save-section]")).click();
      await s.findWithText("[data-testid=section-editor] [role=status]", "Saved");
    }
    await (await s.findWithText("button", "Submit for review")).click();
    await signOff(s, "escalation manager");
    await s.findWithText(".status", "Escalation manager: signed");
    await switchUser(s, "Elena Vargas", "elena.vargas@doit.state.gov");
    await openCasePage();
    await (await s.find("[data-testid=open-aar]")).click();
    await signOff(s, "ABRM");
    await s.findWithText(".status", "Approved");
    await switchUser(s, "Dana Whitfield", "dana.whitfield@doit.state.gov");
    await openCasePage();
    await (await s.find("[data-testid=open-aar]")).click();
    await (await s.find("[data-testid=render]")).click();
    await s.findWithText("[data-testid=render-info]", "(approved)");
    await (await s.find("[data-testid=distribute]")).click();
    await s.findWithText(".status", "Distributed");
  });

  step("the review invitation is sent as an iCalendar request and its update follows with the same UID", async () => {
    await openCasePage();
    await (await s.find("[data-testid=schedule-review]")).click();
    const agenda = await (await s.find("#m-agenda")).property("value");
    assert.match(agenda, /Input for problem management/);
    // Before sending, the form says what time the invitation will carry, in the office's zone.
    assert.match(await (await s.find("[data-testid=meeting-office-time]")).text(), /^Sent as .*\d{4}.*\d{2}:\d{2}.* \(\w+\/\w+/);
    await (await s.find("#m-location")).fill("DoIT HQ, room 4.12");
    await (await s.find("[data-testid=send-invitation]")).click();
    await s.findWithText("[data-testid=meeting]", "Scheduled");
    const invite = await s.waitFor(
      () => receivedMail().find((m) => /Subject: Invitation: post-escalation review of INC0104233/.test(m)),
      { timeout: 20000, what: "the invitation" },
    );
    const ics = invite.replace(/=\r?\n/g, "").replace(/=3D/g, "=").replace(/\r?\n[ \t]/g, "");
    assert.match(ics, /Content-Type: text\/calendar; method=REQUEST/);
    assert.match(ics, /METHOD:REQUEST/);
    assert.match(ics, /BEGIN:VTIMEZONE/);
    assert.match(ics, /ATTENDEE;.*RSVP=TRUE.*mailto:elena\.vargas@doit\.state\.gov/i);
    const uid = /UID:(\S+)/.exec(ics)[1];
    await shoot(s, "71-review-scheduled");
    await (await s.findWithText("button", "Reschedule…")).click();
    await (await s.find("#m-location")).fill("https://meet.state.gov/prr-104233");
    await (await s.find("[data-testid=send-invitation]")).click();
    await s.findWithText("[data-testid=meeting]", "updated 1×");
    const update = await s.waitFor(
      () => receivedMail().find((m) => /Subject: Updated: post-escalation review of INC0104233/.test(m)),
      { timeout: 20000, what: "the update" },
    );
    const updated = update.replace(/=\r?\n/g, "").replace(/=3D/g, "=").replace(/\r?\n[ \t]/g, "");
    assert.match(updated, new RegExp(`UID:${uid.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), "same UID");
    assert.match(updated, /SEQUENCE:1/);
  });

  step("the outcome is recorded and handed to the problem case; the case closes with a summary", async () => {
    await (await s.find("#o-outcome")).fill("Agreed: monthly failover tests; vendor on call during peaks");
    await (await s.find("#o-findings")).fill("Failover was never tested under load");
    await (await s.find("#o-actions")).fill("Monthly failover test; vendor on-call rota");
    // The meeting is set for later: its outcome cannot be recorded until the real time is given.
    await (await s.find("[data-testid=record-outcome]")).click();
    assert.match(await (await s.find("#o-heldAt-error")).text(), /scheduled for later/);
    const d = new Date(Date.now() - 60 * 60 * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    await (await s.find("#o-heldAt")).paste(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`);
    await (await s.find("[data-testid=record-outcome]")).click();
    await s.findWithText("[data-testid=meeting]", "handed to problem PRB0040012");
    await s.findWithText("[data-testid=problem-received]", "review: Findings: Failover was never tested under load");
    await (await s.find("button[data-action=close]")).click();
    await (await s.find("#stage-reason")).fill("Resolved, warrantied twice, reviewed; input with PRB0040012");
    await (await s.findWithText(".reason button", "Close case")).click();
    await s.findWithText(".badges", "Stage: Closed");
    await s.findWithText("[data-testid=closing-summary]", "Resolved, warrantied twice");
    await shoot(s, "72-closed");
  });
});
