// The golden path (golden-path.test.mjs) by keyboard alone, as a user without a mouse does it
// (Section 508, WCAG 2.1.1 Keyboard, 2.4.3 Focus Order, 2.4.7 Focus Visible): first-start identity,
// intake refused then fixed, the case opened, the dashboard showing it, the move to Team and the
// timeline. The focus moves only by Tab, Shift+Tab and the app's own shortcuts ("/" for the
// search, Alt+F for the dashboard's filter); Enter and Space activate. No element is clicked, and
// no field is filled by script: every character is a key pressed on whatever has the focus.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launch, shoot, step as journeyStep } from "./app.mjs";
import { KEY } from "./webdriver.mjs";

describe("the golden path by keyboard alone", () => {
  let s;
  const ticket = "INC0107788";
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
  });
  after(async () => {
    await s?.quit();
  });

  /** The focus is on screen and shows its indicator (:focus-visible with an outline or shadow),
   *  not cut off by a scrolling box around it. */
  const seen = (f, what) => {
    assert.ok(!f.none, `${what}: the focus was lost (${f.desc})`);
    assert.ok(f.visible, `${what}: ${f.desc} has the focus but is not on screen`);
    assert.ok(f.indicator, `${what}: ${f.desc} has the focus but shows no focus indicator (focus-visible ${f.focusVisible}, outline ${f.outline}, box-shadow ${f.boxShadow})`);
    assert.equal(f.clippedBy, null, `${what}: the focus outline of ${f.desc} is cut off by ${f.clippedBy}`);
    return f;
  };
  /** Tabs (or Shift+Tabs) to a control and checks a keyboard user can see it has the focus. */
  const tabTo = async (css, options = {}) => seen(await s.tabTo(css, options), `${css}${options.text ? ` "${options.text}"` : ""}`);
  /** Types into the field with the focus, checking it is the one meant. */
  const typeInto = async (css, text) => {
    await tabTo(css);
    await s.keys(text);
    const value = await s.execute(`return document.activeElement.value;`);
    assert.equal(value, text, `${css} holds what was typed`);
  };
  /** Replaces the whole of the focused field's text, as Ctrl+A then typing does. */
  const retype = async (text) => {
    await s.press("a", { ctrl: true });
    await s.keys(text);
  };
  const value = (css) => s.execute(`return document.querySelector(arguments[0]).value;`, [css]);

  step("first start: who is at the workstation, a bad email refused and fixed from the error summary", async () => {
    if (s.desk) {
      // A team desk asks nobody: the login is who you are (app.mjs launch signed Dana in).
      assert.match(await (await s.find("[data-testid=current-user]")).text(), /Dana Whitfield · Escalation manager/);
      assert.equal((await s.findAll("#identity-name")).length, 0, "no identity form on a team desk");
      return;
    }
    await s.findWithText("h1", "Welcome to Escalation Desk");
    // The name field has the focus from the start: no need to reach for the mouse.
    seen(await s.focusIs("#identity-name"), "the first field");
    await s.keys("Dana Whitfield");
    await typeInto("#identity-email", "dana.whitfield");
    await tabTo("button[type=submit]", { text: "Continue" });
    await s.keys(KEY.ENTER);
    // The summary of what is wrong takes the focus, and its link goes to the field.
    const summary = await s.focusIs("[data-testid=error-summary]");
    assert.match(summary.text, /Email address/);
    assert.equal(await (await s.find("#identity-email")).attr("aria-invalid"), "true");
    await tabTo("[data-testid=error-summary] a", { text: "Email address" });
    await shoot(s, "96-keyboard-01-identity-error");
    await s.keys(KEY.ENTER);
    seen(await s.focusIs("#identity-email"), "the field the summary's link goes to");
    await retype("dana.whitfield@doit.state.gov");
    assert.equal(await value("#identity-email"), "dana.whitfield@doit.state.gov");
    await tabTo("button[type=submit]", { text: "Continue" });
    await s.keys(KEY.SPACE);
    assert.match(await (await s.find("[data-testid=current-user]")).text(), /Dana Whitfield · Escalation manager/);
  });

  step("the dashboard: the new screen has the focus, / goes to the search, Alt+F to the filter", async () => {
    await s.findWithText("h1", "Dashboard");
    await s.find("[data-testid=load-sample]");
    // The identity form is gone: the focus goes to the new screen's heading, not to nowhere.
    await s.focusIs("main h1");
    await s.keys("/");
    seen(await s.focusIs("#desk-search"), "the search after /");
    await s.keys(KEY.ESCAPE);
    await s.press("f", { alt: true });
    seen(await s.focusIs("#filter-text"), "the filter after Alt+F");
    await shoot(s, "96-keyboard-02-dashboard-filter");
    // To the menu, back through the header.
    await tabTo("nav a", { text: "New case", back: true });
    await s.keys(KEY.ENTER);
    await s.findWithText("h1", "New case");
  });

  step("intake: Open case on an empty form lists the problems, each linking to its field", async () => {
    await s.focusIs("main h1");
    await tabTo("button[type=submit]", { text: "Open case" });
    await s.keys(KEY.ENTER);
    const summary = seen(await s.focusIs("[data-testid=error-summary]"), "the error summary");
    assert.match(summary.text, /fields need attention/);
    assert.match(await (await s.find("#intake-ticket-error")).text(), /Enter the ITSM ticket number/);
    await shoot(s, "96-keyboard-03-intake-errors");
  });

  step("intake: each field fixed by keyboard, and Enter on Open case opens the case page", async () => {
    await tabTo("[data-testid=error-summary] a", { text: "ITSM ticket number" });
    await s.keys(KEY.ENTER);
    seen(await s.focusIs("#intake-ticket"), "the ticket field from the summary");
    await s.keys(ticket);
    await typeInto("#intake-reportedBy", "Luis Ortega (MVD service desk)");
    await typeInto("#intake-title", "Motor vehicle registration renewals failing");
    await typeInto("#intake-agency", "Motor Vehicle Division");
    await typeInto("#intake-affectedService", "MVD Online Services");
    // A select by its keys: Up from Medium is High.
    await tabTo("#intake-impact");
    await s.keys(KEY.UP);
    assert.equal(await value("#intake-impact"), "high");
    await tabTo("#intake-urgency");
    await s.keys(KEY.UP);
    assert.equal(await value("#intake-urgency"), "high");
    await typeInto("#intake-description", "Online renewals fail at payment with error 502 since 06:15.");
    // The level's radio group is one stop; Escalated is already chosen.
    const level = await tabTo("input[name=intake-level]");
    assert.equal(level.id, "intake-level");
    await typeInto("#intake-levelReason", "Statewide outage of a public payment service.");
    // Everything fixed: the summary has gone as the fields were typed.
    assert.equal((await s.findAll("[data-testid=error-summary]")).length, 0, "no problems left");
    await tabTo("button[type=submit]", { text: "Open case" });
    await s.keys(KEY.ENTER);
    const h1 = await s.findWithText("h1", ticket);
    assert.match(await h1.text(), /Motor vehicle registration renewals failing/);
    const badges = await (await s.find(".badges")).text();
    assert.match(badges, /P1 Critical/);
    assert.match(badges, /Stage: Intake/);
    // The case page loads after it is shown: its heading takes the focus once it is drawn.
    await s.focusIs("main h1");
  });

  step("the skip link is the first stop and goes to the screen, not to another one", async () => {
    const f = await tabTo("a.skip", { back: true, max: 30 });
    assert.match(f.text, /Skip to main content/);
    await shoot(s, "96-keyboard-04-skip-link");
    const before = await s.execute(`return location.hash;`);
    await s.keys(KEY.ENTER);
    await s.focusIs("main h1");
    assert.equal(await s.execute(`return location.hash;`), before, "still on the case page");
    await s.findWithText("h1", ticket);
  });

  step("the dashboard lists the case; Alt+F filters, Tab reaches its row's link", async () => {
    await tabTo("nav a", { text: "Dashboard", back: true });
    await s.keys(KEY.ENTER);
    await s.findWithText("h1", "Dashboard");
    await s.focusIs("main h1");
    await s.press("f", { alt: true });
    await s.focusIs("#filter-text");
    await s.keys(ticket);
    await s.findWithText("[data-testid=active-total]", "1 active case match");
    const table = await s.find("[data-testid=escalated-cases]");
    const text = await s.waitFor(async () => {
      const t = await table.text();
      return t.includes(ticket) ? t : undefined;
    }, { what: "the ticket in the escalated table" });
    assert.match(text, /Motor Vehicle Division/);
    assert.match(text, /Intake/);
    await tabTo("[data-testid=escalated-cases] a", { text: ticket });
    await shoot(s, "96-keyboard-05-dashboard-row");
    await s.keys(KEY.ENTER);
    await s.findWithText("h1", ticket);
    await s.focusIs("main h1");
  });

  step("the case moves to Team by Enter, the focus stays put, and Space verifies the timeline", async () => {
    await tabTo("button[data-action=advance]", { text: "Team" });
    await s.keys(KEY.ENTER);
    await s.findWithText(".badges", "Stage: Team");
    assert.match(await (await s.find(".steps li[aria-current=step]")).text(), /Team/);
    // The stage bar's button is still where the focus was, ready for the next move.
    seen(await s.focusIs("button[data-action=advance]"), "the stage bar after the move");
    const events = await s.waitFor(async () => {
      const items = await s.findAll("[data-testid=timeline] > li");
      return items.length === 3 ? items : undefined;
    }, { what: "three timeline events" });
    assert.match(await events[0].text(), /Moved from Intake to Team/);
    assert.match(await events[2].text(), /Case opened as escalated/);
    await tabTo("button", { text: "Verify integrity" });
    await s.keys(KEY.SPACE);
    assert.match(await (await s.find(".message.success")).text(), /Intact: all 3 events verified/);
    // The timeline scrolls by keyboard: it is a stop of its own. An event's old and new values
    // open with Enter on their summary.
    await tabTo("[data-testid=timeline]");
    await s.keys(KEY.DOWN);
    await tabTo("[data-testid=timeline] > li:first-child summary", { text: "Old and new values" });
    await s.keys(KEY.ENTER);
    const values = await s.find("[data-testid=timeline] > li:first-child details[open] table");
    assert.match(await values.text(), /stage\s*intake\s*team/i, "the stage, old and new");
    await shoot(s, "96-keyboard-06-case-team-timeline");
  });
});
