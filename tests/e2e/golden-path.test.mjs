// The golden path of a case through the real app in a real webview: first-start identity,
// intake of an escalated incident, the dashboard, the move to Team, the timeline.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launch, shoot, step as journeyStep } from "./app.mjs";

describe("an escalation manager takes in an escalated incident and moves it to Team", () => {
  let s;
  const ticket = "INC0104999";

  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
  });
  after(async () => {
    await s?.quit();
  });

  step("on first start the app asks who is using the workstation and refuses a bad email", async () => {
    if (process.env.E2E_PG_URL) {
      // A team desk asks nobody: the login the window connected with is Dana's (app.mjs launch).
      const who = await s.find("[data-testid=current-user]");
      assert.match(await who.text(), /Dana Whitfield · Escalation manager/);
      assert.equal((await s.findAll("#identity-name")).length, 0, "no identity form on a team desk");
      await s.findWithText("header button", "Sign in as someone else");
      return;
    }
    const heading = await s.find("h1");
    assert.match(await heading.text(), /Welcome to Escalation Desk/);
    await (await s.find("#identity-name")).fill("Dana Whitfield");
    await (await s.find("#identity-email")).fill("dana.whitfield");
    await (await s.findWithText("button", "Continue")).click();
    const error = await s.find("#identity-email-error");
    assert.match(await error.text(), /looks like name@agency/, "the error is shown beside the email field");
    assert.equal(await (await s.find("#identity-email")).attr("aria-invalid"), "true");
    await shoot(s, "01-identity-with-error");
    await (await s.find("#identity-email")).fill("dana.whitfield@doit.state.gov");
    await (await s.findWithText("button", "Continue")).click();
    const who = await s.find("[data-testid=current-user]");
    assert.match(await who.text(), /Dana Whitfield · Escalation manager/);
  });

  step("a new database offers sample data and a first case, and the header names the open desk", async () => {
    await s.find("[data-testid=load-sample]");
    // A team desk (the journey's second run, on PostgreSQL) by server and database; else the file.
    // Its whole text (a long name is cut short on screen, with the full address as its tooltip).
    const desk = await (await s.find("[data-testid=open-desk]")).property("textContent");
    assert.match(desk, process.env.E2E_PG_URL ? /^Team desk 127\.0\.0\.1:\d+\/e2e_\d+_\d+$/ : /^This workstation: desk\.sqlite3$/);
    await shoot(s, "02-dashboard-empty");
  });

  step("intake refuses an incomplete form with a message beside each field", async () => {
    await (await s.findWithText("nav a", "New case")).click();
    await s.findWithText("h1", "New case");
    await (await s.findWithText("button", "Open case")).click();
    const summary = await s.find("[data-testid=error-summary]");
    await shoot(s, "03-intake-errors");
    assert.match(await summary.text(), /fields need attention/);
    assert.match(await (await s.find("#intake-ticket-error")).text(), /Enter the ITSM ticket number/);
    assert.match(await (await s.find("#intake-levelReason-error")).text(), /Enter the reason for this level/);
    await shoot(s, "03-intake-errors");
  });

  step("an escalated incident is taken in and its case page opens", async () => {
    await (await s.find("#intake-ticket")).fill("");
    await (await s.find("#intake-ticket")).fill(ticket);
    await (await s.find("#intake-title")).fill("Motor vehicle registration renewals failing");
    await (await s.find("#intake-description")).fill("Online renewals fail at payment with error 502 since 06:15.");
    await (await s.find("#intake-agency")).fill("Motor Vehicle Division");
    // The agency is chosen from the directory; a name it lacks is said to be added, before saving.
    assert.equal(
      await (await s.find("#intake-agency-hint")).text(),
      "Not in the directory: saving adds “Motor Vehicle Division” as a new agency.",
    );
    await (await s.find("#intake-affectedService")).fill("MVD Online Services");
    await (await s.find("#intake-impact")).choose("high");
    await (await s.find("#intake-urgency")).choose("high");
    await (await s.find("#intake-reportedBy")).fill("Luis Ortega (MVD service desk)");
    await (await s.find("#intake-levelReason")).fill("Statewide outage of a public payment service; renewals expire at month end.");
    await (await s.findWithText("button", "Open case")).click();
    const h1 = await s.findWithText("h1", ticket);
    assert.match(await h1.text(), /Motor vehicle registration renewals failing/);
    const badges = await (await s.find(".badges")).text();
    assert.match(badges, /P1 Critical/);
    assert.match(badges, /Escalated/);
    assert.match(badges, /Stage: Intake/);
  });

  step("a second case with the same ticket number is refused beside the ticket field", async () => {
    await (await s.findWithText("nav a", "New case")).click();
    await s.findWithText("h1", "New case");
    // The case just opened is not brought back as an unfinished draft.
    assert.equal(await (await s.find("#intake-ticket")).property("value"), "", "a new case starts empty");
    assert.equal(await (await s.find("#intake-title")).property("value"), "");
    assert.equal((await s.findAll("form button.link-button")).length, 0, "no \"draft restored ... Start over\"");
    await (await s.find("#intake-ticket")).fill(ticket.toLowerCase());
    await (await s.find("#intake-title")).fill("Duplicate");
    await (await s.find("#intake-agency")).fill("motor vehicle division");
    // The first case added it to the directory: now it is chosen, not new.
    assert.equal((await s.findAll("#intake-agency-hint")).length, 0, "a directory agency needs no note");
    await (await s.find("#intake-affectedService")).fill("MVD Online Services");
    await (await s.find("#intake-reportedBy")).fill("Someone");
    await (await s.find("#intake-levelReason")).fill("Testing a duplicate");
    await (await s.findWithText("button", "Open case")).click();
    const error = await s.find("#intake-ticket-error");
    assert.match(await error.text(), new RegExp(`${ticket} is already used by escalation ESC-\\d{5}\\.`));
    await shoot(s, "04-intake-duplicate-ticket");
    // Leaving the form loses nothing: the draft is restored, and can be discarded.
    await (await s.findWithText("nav a", "Dashboard")).click();
    await s.findWithText("h1", "Dashboard");
    await (await s.findWithText("nav a", "New case")).click();
    await (await s.findWithText("button", "Start over")).click();
    assert.equal(await (await s.find("#intake-title")).property("value"), "", "the discarded draft is gone");
  });

  step("the case appears on the dashboard among the escalated cases", async () => {
    await (await s.findWithText("nav a", "Dashboard")).click();
    // Every case's timeline was checked at start, in the background, and the dashboard says so.
    assert.match(await (await s.findWithText("[data-testid=integrity]", "Timelines intact")).text(), /verified when Escalation Desk started \(.*\): \d+ cases?, \d+ events/);
    const table = await s.find("[data-testid=escalated-cases]");
    const text = await s.waitFor(async () => {
      const t = await table.text();
      return t.includes(ticket) ? t : undefined;
    }, { what: "the ticket in the escalated table" });
    assert.match(text, /Motor Vehicle Division/);
    assert.match(text, /Intake/);
    await shoot(s, "05-dashboard");
  });

  step("the case moves to Team and the timeline shows its events, newest first", async () => {
    await (await s.findWithText("a", ticket)).click();
    await s.findWithText("h1", ticket);
    await (await s.find("button[data-action=advance]")).click();
    await s.findWithText(".badges", "Stage: Team");
    const current = await s.find(".steps li[aria-current=step]");
    assert.match(await current.text(), /Team/);
    const events = await s.waitFor(async () => {
      const items = await s.findAll("[data-testid=timeline] > li");
      return items.length === 3 ? items : undefined;
    }, { what: "three timeline events" });
    assert.match(await events[0].text(), /Moved from Intake to Team/);
    assert.match(await events[1].text(), /Executive alert "Priority P1"/, "a P1 case alerts the executives as it opens");
    assert.match(await events[2].text(), /Case opened as escalated/);
    assert.match(await events[0].text(), /Dana Whitfield/, "each event names who made it");
    await (await s.findWithText("button", "Verify integrity")).click();
    assert.match(await (await s.find(".message.success")).text(), /Intact: all 3 events verified/);
    await shoot(s, "06-case-page");
  });

  step("a screen that throws while drawing says why and the window keeps working", async () => {
    // Every date on screen goes through Intl.DateTimeFormat: make it throw, as a real bug would.
    await s.execute(`
      window.__format = Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, "format");
      Object.defineProperty(Intl.DateTimeFormat.prototype, "format", {
        configurable: true,
        get() { throw new Error("the date could not be formatted"); },
      });`);
    await (await s.findWithText("nav a", "Dashboard")).click();
    const failed = await s.find("[data-testid=screen-failed]");
    assert.match(await failed.text(), /This screen could not be drawn/);
    assert.match(await failed.text(), /the date could not be formatted/);
    assert.equal((await s.findAll("nav a")).length >= 7, true, "the header and its menu are still there");
    await shoot(s, "07-screen-failed");
    await s.execute(`Object.defineProperty(Intl.DateTimeFormat.prototype, "format", window.__format);`);
    await (await s.findWithText("[data-testid=screen-failed] button", "Try again")).click();
    await s.findWithText("h1", "Dashboard");
    assert.equal((await s.findAll("[data-testid=screen-failed]")).length, 0, "drawn again once the cause is gone");
  });
});
