// Two people at two workstations on one team desk (E2E_ENGINE=postgres; two app windows, each its
// own login, display and driver): the manager and the ABRM write the After Action Report at the
// same time (different sections, then the same one: the conflict keeps both texts), each sees who
// else has a section open and who is typing, each signs as themselves (the ABRM may not sign as
// manager), the manager distributes; and with both windows running a time-based executive alert
// is raised and mailed once, not once per workstation.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deskLoginFor, initDesk, openCase, psql, receivedMail, setupMail, shoot, signOff, startOnDesk, step as journeyStep } from "./app.mjs";

const server = process.env.E2E_PG_URL;

describe("the manager and the ABRM write and approve one report from two workstations", { skip: !server && "needs the PostgreSQL cluster: E2E_ENGINE=postgres tests/e2e/run" }, () => {
  let manager;
  let abrm;
  let current;
  const step = (name, fn) => journeyStep(test, name, () => current, fn);
  const database = `e2e_two_people_${process.pid}`;
  const desk = server ? server.replace(/\/[^/]*$/, `/${database}`) : "";

  async function openReport(s) {
    await (await s.findWithText("nav a", "Dashboard")).click();
    await (await s.findWithText("a", "INC0104233")).click();
    await (await s.find("[data-testid=open-aar]")).click();
    await s.findWithText("h1", "After Action Report");
  }
  async function section(s, title) {
    await (await s.findWithText("nav[aria-label=Sections] button", title)).click();
    await s.findWithText("[data-testid=section-editor] h2", title);
    return s.find("[data-testid=section-editor] textarea");
  }
  async function save(s, title, text) {
    await (await section(s, title)).paste(text);
    await (await s.find("[data-testid=save-section]")).click();
    await s.findWithText("[data-testid=section-editor] [role=status]", "Saved");
  }
  const sectionLine = async (s, title) => (await s.findWithText("nav[aria-label=Sections] button", title)).text();

  after(async () => {
    await manager?.quit();
    await abrm?.quit();
  });

  step("each opens the team desk as their own login; the ABRM's window shows the manager's cases as they arrive", async () => {
    psql(server, `CREATE DATABASE ${database}`);
    initDesk(desk);
    manager = current = await startOnDesk(process.env.E2E_DRIVER_PORT, deskLoginFor(desk, "Dana Whitfield", "dana.whitfield@doit.state.gov", "manager"));
    abrm = await startOnDesk(process.env.E2E_DRIVER_PORT_2, deskLoginFor(desk, "Elena Vargas", "elena.vargas@doit.state.gov", "abrm"));
    assert.match(await (await abrm.find("[data-testid=current-user]")).text(), /^Elena Vargas · ABRM/);
    await (await manager.find("[data-testid=load-sample]")).click();
    await manager.find("[data-testid=escalated-cases]");
    current = abrm;
    await abrm.findWithText("[data-testid=escalated-cases] a", "INC0104233", { timeout: 5000 });
    // The desk's mail settings are shared; each workstation keeps the password itself. Both can
    // send, so the outbox must hand each message to one of them.
    current = manager;
    await setupMail(manager);
    current = abrm;
    await setupMail(abrm);
  });

  step("both open the report; each sees who else has a section open and who is typing in it", async () => {
    current = manager;
    await openReport(manager);
    await (await manager.findWithText("button", "Start the After Action Report")).click();
    await manager.findWithText("nav[aria-label=Sections]", "11. Appendices");
    await section(manager, "Executive summary");
    current = abrm;
    await openReport(abrm);
    const box = await section(abrm, "Executive summary");
    await abrm.findWithText("[data-testid=section-presence]", "Dana Whitfield has this section open", { timeout: 8000 });
    await box.type("Elena is drafting");
    current = manager;
    await manager.findWithText("[data-testid=section-presence]", "Elena Vargas is typing in this section", { timeout: 5000 });
    assert.match(await sectionLine(manager, "Executive summary"), /Elena Vargas here/);
    await shoot(manager, "two-people-01-elena-typing");
    await shoot(abrm, "two-people-02-dana-here");
  });

  step("they write different sections at the same time, and each sees the other's save without reloading", async () => {
    current = manager;
    await save(manager, "Incident overview", "The UI claims portal returned **HTTP 503** statewide from 08:10.");
    current = abrm;
    await save(abrm, "Strengths", "- The bridge was open within 15 minutes\n- Customer updates every hour");
    await abrm.waitFor(async () => /Dana Whitfield/.test(await sectionLine(abrm, "Incident overview")) || undefined, { timeout: 5000, what: "Dana's save on Elena's screen" });
    current = manager;
    await manager.waitFor(async () => /Elena Vargas/.test(await sectionLine(manager, "Strengths")) || undefined, { timeout: 5000, what: "Elena's save on Dana's screen" });
  });

  step("they write the same section: the second save shows both texts, and the combined text keeps both", async () => {
    current = manager;
    const mine = await section(manager, "Lessons learned");
    await mine.paste("Dana: test the failover monthly.");
    current = abrm;
    const hers = await section(abrm, "Lessons learned");
    await hers.paste("Elena: keep the vendor on the bridge.");
    current = manager;
    await (await manager.find("[data-testid=save-section]")).click();
    await manager.findWithText("[data-testid=section-editor] [role=status]", "Saved");
    current = abrm;
    await (await abrm.find("[data-testid=save-section]")).click();
    const conflict = await abrm.find("[data-testid=conflict]");
    assert.match(await conflict.text(), /Dana Whitfield saved this section while you were writing/);
    assert.match(await (await abrm.find("[data-testid=conflict-theirs]")).text(), /test the failover monthly/);
    assert.match(await (await abrm.find("[data-testid=conflict-mine]")).text(), /keep the vendor on the bridge/);
    await shoot(abrm, "two-people-03-conflict");
    await (await abrm.find("[data-testid=section-editor] textarea")).paste("Test the failover monthly; keep the vendor on the bridge.");
    await (await abrm.findWithText("button", "Save combined text")).click();
    await abrm.findWithText("[data-testid=section-meta]", "Last edited by Elena Vargas");
    // The section's history: Dana's save, then the combined text with what Elena wrote.
    const kept = psql(desk, "SELECT string_agg(v.body, ' | ' ORDER BY v.version) FROM aar_section_versions v JOIN aar_sections s ON s.id = v.section_id WHERE s.title = 'Lessons learned'");
    assert.match(kept, /test the failover monthly/);
    assert.match(kept, /Test the failover monthly; keep the vendor on the bridge/);
  });

  step("each signs as themselves: the ABRM may not sign as manager, the manager's and the ABRM's sign-offs approve it", async () => {
    current = manager;
    for (const [title, text] of [
      ["Executive summary", "Claimants could not file for 6 hours after a storage controller failed."],
      ["Areas for improvement", "Failover had never been tested under load."],
      ["Appendices", "| Item | Reference |\n|---|---|\n| Vendor case | VND-88231 |"],
    ]) {
      await save(manager, title, text);
    }
    await (await manager.findWithText("button", "Submit for review")).click();
    await manager.findWithText(".status", "In review");
    current = abrm;
    await abrm.findWithText(".status", "In review", { timeout: 5000 });
    // The ABRM is offered her own sign-off only (the server refuses the other whoever asks:
    // store_roles.rs, store_aar.rs).
    await abrm.findWithText("button", "Sign off as ABRM");
    const buttons = await Promise.all((await abrm.findAll("[aria-label='Report actions'] button")).map((b) => b.text()));
    assert.ok(!buttons.includes("Sign off as escalation manager"), `no manager sign-off offered to the ABRM: ${buttons.join(", ")}`);
    assert.match(await (await abrm.find("[data-testid=signers]")).text(), /the escalation manager \(Dana Whitfield\)/);
    await shoot(abrm, "two-people-04-abrm-may-not-sign-as-manager");
    await signOff(abrm, "ABRM");
    await abrm.findWithText(".status", "ABRM: signed");
    current = manager;
    await manager.findWithText(".status", "ABRM: signed", { timeout: 5000 });
    await signOff(manager, "escalation manager");
    await manager.findWithText(".status", "Approved");
    const signed = psql(desk, "SELECT abrm_signed_by || ' / ' || manager_signed_by FROM aars");
    assert.equal(signed, "Elena Vargas <elena.vargas@doit.state.gov> / Dana Whitfield <dana.whitfield@doit.state.gov>");
  });

  step("the manager renders and distributes; the ABRM's window shows it distributed", async () => {
    current = manager;
    await (await manager.find("[data-testid=render]")).click();
    await manager.findWithText("[data-testid=render-info]", "(approved)", { timeout: 20000 });
    await (await manager.find("[data-testid=distribute]")).click();
    await manager.findWithText(".status", "Distributed", { timeout: 20000 });
    current = abrm;
    await abrm.findWithText(".status", "Distributed", { timeout: 5000 });
    await shoot(abrm, "two-people-05-distributed");
  });

  step("with both workstations running, a case escalated too long is alerted and mailed once, not once per workstation", async () => {
    current = manager;
    const ticket = "INC0300077";
    await openCase(manager, { ticket, title: "Licensing portal down", agency: "Regulation and Licensing", service: "Licensing portal" });
    // Three days pass for that case: the sweep (every 2 s on both workstations) finds it due.
    psql(desk, `UPDATE cases SET opened_at = now() - interval '3 days' WHERE ticket = '${ticket}'`);
    psql(desk, `UPDATE alert_checks_due SET due_at = now() - interval '1 minute' WHERE case_id = (SELECT id FROM cases WHERE ticket = '${ticket}')`);
    const alertMails = () => receivedMail().filter((m) => m.includes(ticket) && m.includes("Escalated for more than"));
    await manager.waitFor(() => alertMails().length > 0 || undefined, { timeout: 30000, what: "the alert mail" });
    // Several more sweeps on each workstation: still one alert, one message, one mail.
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(Number(psql(desk, `SELECT COUNT(*) FROM alerts a JOIN cases c ON c.id = a.case_id WHERE c.ticket = '${ticket}' AND a.rule_name LIKE 'Escalated for more than%'`)), 1, "one alert");
    // The test server keeps one copy per recipient: each executive got it exactly once.
    const perRecipient = {};
    for (const m of alertMails()) {
      const to = /X-Test-Rcpt-To: (\S+)/.exec(m)?.[1] ?? "?";
      perRecipient[to] = (perRecipient[to] ?? 0) + 1;
    }
    assert.ok(Object.keys(perRecipient).length > 0);
    for (const [to, n] of Object.entries(perRecipient)) assert.equal(n, 1, `${to} got the alert ${n} times`);
  });
});
