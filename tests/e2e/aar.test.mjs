// The After Action Report: two authors write the same section and meet a conflict, the report is
// approved by the escalation manager and the ABRM, rendered to PDF, and distributed; the local SMTP
// server receives the PDF byte-identical to the one rendered.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { identify, launch, receivedMail, setupMail, shoot, signOff, step as journeyStep, switchUser } from "./app.mjs";

const DANA = ["Dana Whitfield", "dana.whitfield@doit.state.gov"];
const ELENA = ["Elena Vargas", "elena.vargas@doit.state.gov"];

describe("the escalation manager and the ABRM write, approve and distribute the AAR", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  async function openReport() {
    await (await s.findWithText("nav a", "Dashboard")).click();
    await (await s.findWithText("a", "INC0104233")).click();
    await (await s.find("[data-testid=open-aar]")).click();
    await s.findWithText("h1", "After Action Report");
  }
  async function section(title) {
    await (await s.findWithText("nav[aria-label=Sections] button", title)).click();
    await s.findWithText("[data-testid=section-editor] h2", title);
    return s.find("[data-testid=section-editor] textarea");
  }

  before(async () => {
    ({ session: s } = await launch());
    await identify(s, ...DANA);
    await (await s.find("[data-testid=load-sample]")).click();
    await s.find("[data-testid=escalated-cases]");
    await setupMail(s);
  });
  after(async () => {
    await s?.quit();
  });

  step("report settings: A4 paper and the marking printed on every page", async () => {
    await (await s.findWithText("nav a", "Settings")).click();
    await (await s.find("#aar-marking")).fill("");
    await (await s.findWithText("button", "Save report settings")).click();
    assert.match(await (await s.find("#aar-marking-error")).text(), /Enter a marking/);
    await (await s.find("#aar-marking")).fill("Internal use only");
    await (await s.find("#aar-paper")).choose("a4");
    await (await s.findWithText("button", "Save report settings")).click();
    await s.findWithText("[role=status]", "Report settings saved");
  });

  step("the report starts from the template with the case's timeline, team and figures", async () => {
    await openReport();
    await (await s.findWithText("button", "Start the After Action Report")).click();
    await s.findWithText("nav[aria-label=Sections]", "11. Appendices");
    const team = await section("Escalation team");
    assert.match(await team.property("value"), /Elena Vargas \| ABRM/);
    const timeline = await section("Timeline");
    assert.match(await timeline.property("value"), /\| When \| Who \| What \|/);
    await shoot(s, "60-aar-started");
  });

  step("two authors save the same section: the second sees both texts and keeps both", async () => {
    // Dana starts the summary but does not save it yet (kept locally as a draft).
    const mine = await section("Executive summary");
    await mine.paste("Dana: a storage controller failed and the cluster did not fail over.");
    // Elena, at the same time, writes and saves her version.
    await switchUser(s, ...ELENA);
    await openReport();
    const hers = await section("Executive summary");
    await hers.paste("Elena: claimants could not file for 6 hours; the agency secretary was briefed.");
    await (await s.find("[data-testid=save-section]")).click();
    await s.findWithText("[data-testid=section-meta]", "Last edited by Elena Vargas");
    // Dana comes back: her unsaved text is restored and saving it meets Elena's save.
    await switchUser(s, ...DANA);
    await openReport();
    await section("Executive summary");
    await s.findWithText("[role=status]", "Your unsaved text from earlier is back");
    await (await s.find("[data-testid=save-section]")).click();
    const conflict = await s.find("[data-testid=conflict]");
    assert.match(await conflict.text(), /Elena Vargas saved this section while you were writing/);
    assert.match(await (await s.find("[data-testid=conflict-theirs]")).text(), /claimants could not file/);
    assert.match(await (await s.find("[data-testid=conflict-mine]")).text(), /storage controller failed/);
    await shoot(s, "61-aar-conflict");
    const box = await s.find("[data-testid=section-editor] textarea");
    await box.paste("Claimants could not file for 6 hours after a storage controller failed and the cluster did not fail over. The agency secretary was briefed.");
    await (await s.findWithText("button", "Save combined text")).click();
    await s.findWithText("[data-testid=section-meta]", "Last edited by Dana Whitfield");
    assert.equal((await s.findAll("[data-testid=conflict]")).length, 0, "the conflict is resolved");
  });

  step("the remaining sections are written and a comment is added and resolved", async () => {
    for (const [title, text] of [
      ["Incident overview", "The UI claims portal returned **HTTP 503** statewide from 08:10."],
      ["Strengths", "- The bridge was open within 15 minutes\n- Customer updates every hour"],
      ["Areas for improvement", "Failover had never been tested under load."],
      ["Lessons learned", "Test the failover *monthly*; keep the vendor on the bridge."],
      ["Appendices", "| Item | Reference |\n|---|---|\n| Vendor case | VND-88231 |"],
    ]) {
      const box = await section(title);
      await box.paste(text);
      await (await s.find("[data-testid=save-section]")).click();
      await s.findWithText("[data-testid=section-editor] [role=status]", "Saved");
    }
    await section("Strengths");
    await (await s.find("[data-testid=section-editor] input[type=text]")).fill("Name the on-call engineer");
    await (await s.findWithText("button", "Add comment")).click();
    await (await s.findWithText("[data-testid=section-editor] button", "Resolve")).click();
    await s.findWithText("[data-testid=section-editor]", "Resolved by Dana Whitfield");
  });

  step("the manager submits and signs; the ABRM's sign-off approves and locks the report", async () => {
    await (await s.findWithText("button", "Submit for review")).click();
    await s.findWithText(".status", "In review");
    // The manager is offered her own sign-off only; the ABRM's is said to be the ABRM's.
    await s.findWithText("button", "Sign off as escalation manager");
    const buttons = await Promise.all((await s.findAll("[aria-label='Report actions'] button")).map((b) => b.text()));
    assert.ok(!buttons.includes("Sign off as ABRM"), `no ABRM sign-off offered to the manager: ${buttons.join(", ")}`);
    assert.match(await (await s.find("[data-testid=signers]")).text(), /the ABRM \(Elena Vargas\), each at their own desk/);
    await shoot(s, "62b-aar-in-review");
    await signOff(s, "escalation manager");
    await s.findWithText(".status", "Escalation manager: signed");
    await switchUser(s, ...ELENA);
    await openReport();
    await signOff(s, "ABRM");
    await s.findWithText(".status", "Approved");
    await s.findWithText(".message.info", "locked");
  });

  step("the approved report is rendered and distributed; the server receives the same PDF", async () => {
    await switchUser(s, ...DANA);
    await openReport();
    await (await s.find("[data-testid=render]")).click();
    const info = await s.find("[data-testid=render-info]");
    await s.waitFor(async () => /Revision 1 \(approved\)/.test(await info.text()), { what: "the approved rendering" });
    const pages = Number(/(\d+) pages/.exec(await info.text())[1]);
    assert.ok(pages >= 3, `cover and body: ${pages} pages`);
    await (await s.find("[data-testid=preview]")).click();
    const preview = await s.find("[data-testid=preview-status]");
    await s.waitFor(async () => new RegExp(`^${pages} pages$`).test(await preview.text()), { timeout: 20000, what: `the preview of ${pages} pages` });
    assert.equal((await s.findAll("[data-testid=pdf-preview] canvas")).length, pages, "every page is drawn");
    await shoot(s, "62-aar-preview");
    await (await s.findWithText("button", "Close preview")).click();
    const path = (await (await s.find("[data-testid=render-path]")).text()).trim();
    const rendered = readFileSync(path);
    assert.match(execFileSync("pdfinfo", [path], { encoding: "utf8" }), /Page size:\s+595\.\d+ x 841\.\d+/, "A4, as set");
    const text = execFileSync("pdftotext", ["-layout", path, "-"], { encoding: "utf8" });
    assert.match(text, /Internal use only/);
    assert.match(text, /Claimants could not file for 6 hours/);
    assert.match(text, new RegExp(`Page 2 of ${pages}`));
    assert.doesNotMatch(text, /DRAFT/, "no watermark once approved");
    const panel = await s.find("[data-testid=distribution]");
    assert.match(await panel.text(), /robert\.chavez@doit\.state\.gov/, "executive management is suggested");
    assert.match(await panel.text(), /elena\.vargas@doit\.state\.gov/, "the ABRM is suggested");
    await shoot(s, "63-aar-approved");
    await (await s.find("[data-testid=distribute]")).click();
    const log = await s.find("[data-testid=distribution-log]");
    assert.match(await log.text(), /robert\.chavez@doit\.state\.gov/);
    await s.findWithText(".status", "Distributed");
    const mail = await s.waitFor(
      () => receivedMail().find((m) => m.includes("After Action Report (revision 1)") && /X-Test-Rcpt-To: robert\.chavez/.test(m)),
      { timeout: 20000, what: "the AAR email to the CIO" },
    );
    const part = mail.slice(mail.indexOf("Content-Type: application/pdf"));
    const body = part.slice(part.search(/\r?\n\r?\n/)).split("--")[0].replace(/\s+/g, "");
    const attached = Buffer.from(body, "base64");
    assert.ok(attached.equals(rendered), `the attachment (${attached.length} bytes) is byte-identical to the rendered PDF (${rendered.length} bytes)`);
    // The log follows the outbox by itself (no reopening): the delivery turns to Sent.
    await s.findWithText("[data-testid=distribution-log]", "Sent", { timeout: 20000 });
    const [scrollWidth, innerWidth] = await s.execute("return [document.documentElement.scrollWidth, window.innerWidth];", []);
    assert.ok(scrollWidth <= innerWidth, `the page does not scroll sideways (${scrollWidth} > ${innerWidth})`);
    await shoot(s, "64-aar-distributed");
  });
});
