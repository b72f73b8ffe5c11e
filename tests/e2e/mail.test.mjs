// Mail: configure SMTP to the local test server (STARTTLS + AUTH), send a test message, post a
// progress update and a customer update, and see the server receive them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { identify, launch, receivedMail, shoot, step as journeyStep } from "./app.mjs";

async function mailWith(s, text) {
  return s.waitFor(() => receivedMail().find((m) => m.includes(text)), { timeout: 20000, what: `mail containing "${text}"` });
}

describe("an escalation manager sets up mail and keeps management and the customer informed", () => {
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

  step("plain SMTP to a remote host is refused beside the security choice", async () => {
    await (await s.findWithText("nav a", "Settings")).click();
    await s.find("[data-testid=smtp-form][aria-busy=false]");
    await (await s.find("#smtp-host")).fill("smtp.state.gov");
    await (await s.findWithText("label", "None (this machine only)")).click();
    await (await s.find("#smtp-senderAddress")).fill("escalations@doit.state.gov");
    await (await s.findWithText("button", "Save settings")).click();
    const summary = await s.find("[data-testid=error-summary]");
    assert.match(await summary.text(), /Unencrypted SMTP is only allowed to a mail server on this machine/);
  });

  step("the settings for the local server are saved and a test message arrives", async () => {
    await (await s.find("#smtp-host")).fill("127.0.0.1");
    await (await s.find("#smtp-security")).click();
    await (await s.find("#smtp-port")).fill(process.env.E2E_SMTP_PORT);
    await (await s.find("#smtp-username")).fill(process.env.E2E_SMTP_USER);
    await (await s.find("#smtp-password")).fill(process.env.E2E_SMTP_PASSWORD);
    await (await s.findWithText("summary", "Certificate authorities")).click();
    await (await s.find("#smtp-extraCaPem")).paste(readFileSync(process.env.E2E_SMTP_CA, "utf8"));
    await (await s.findWithText("button", "Save settings")).click();
    await s.findWithText("[role=status]", "Saved");
    assert.match(await (await s.find("#smtp-password-hint")).text(), /keyring|memory/);
    await (await s.find("#test-to")).fill("dana.whitfield@doit.state.gov");
    await (await s.findWithText("button", "Send test message")).click();
    const result = await s.find("[data-testid=test-result]");
    assert.match(await result.text(), /accepted the test message/, await result.text());
    await mailWith(s, "Subject: Escalation Desk test message");
    await shoot(s, "30-mail-settings");
  });

  step("a progress update reaches the team and the management contacts", async () => {
    await (await s.findWithText("nav a", "Dashboard")).click();
    await (await s.findWithText("a", "INC0104233")).click();
    await s.findWithText("h1", "INC0104233");
    const picker = await s.find("#management-contacts");
    for (const o of await picker.findAll("option")) if ((await o.text()).startsWith("Robert Chavez")) await picker.choose(await o.attr("value"));
    await (await s.findWithText("[data-testid=communications] button", "Add")).click();
    await s.findWithText("[data-testid=communications] .chips", "Robert Chavez");
    await (await s.find("#progress-headline")).fill("Database failover complete");
    await (await s.find("#progress-details")).fill("60% of claimants can certify again; the rest within the hour.");
    await (await s.findWithText("button", "Send progress notice")).click();
    await s.findWithText("[data-testid=comms-notice]", "Progress notice queued");
    const mail = await mailWith(s, "Progress: Database failover complete");
    assert.match(mail, /robert\.chavez@doit\.state\.gov/, "management contact");
    assert.match(mail, /priya\.natarajan@doit\.state\.gov/, "team member");
  });

  step("a customer update by email is sent to the customer contacts and recorded", async () => {
    const picker = await s.find("#customer-contacts");
    for (const o of await picker.findAll("option")) if ((await o.text()).startsWith("Linda Morales")) await picker.choose(await o.attr("value"));
    const adds = await s.findAll("[data-testid=communications] button");
    for (const b of adds) if ((await b.text()) === "Add" && (await b.attr("disabled")) === null) { await b.click(); break; }
    await s.findWithText("[data-testid=communications]", "Linda Morales");
    await (await s.find("#update-summary")).fill("Claimants can certify again; deadline extended to Monday.");
    await (await s.findWithText("button", "Send customer update")).click();
    await s.findWithText("[data-testid=comms-notice]", "Customer update queued");
    const mail = await mailWith(s, "deadline extended to Monday");
    assert.match(mail, /X-Test-Rcpt-To: linda\.morales@dws\.state\.gov/);
    await s.findWithText("[data-testid=timeline]", "Customer update by email");
    await shoot(s, "31-case-communications");
  });

  step("the outbox lists the sent messages", async () => {
    await (await s.findWithText("nav a", "Outbox")).click();
    const table = await s.find("[data-testid=outbox-table]");
    await s.waitFor(async () => (await table.text()).includes("Sent"), { what: "sent messages" });
    assert.match(await table.text(), /Progress: Database failover complete/);
    await shoot(s, "32-outbox");
  });
});
