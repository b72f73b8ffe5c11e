// Connecting to a team desk from the first-start screen, on the throwaway PostgreSQL cluster
// (E2E_ENGINE=postgres): the address checked beside its fields, a wrong password refused, the
// team desk opened at once and at the next start, the password asked again where there is no
// keyring, and the way back to this workstation's own desk.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { initDesk, personLogin, psql, shoot, step as journeyStep } from "./app.mjs";
import { Session } from "./webdriver.mjs";

const server = process.env.E2E_PG_URL;

describe("a manager connects to the division's team desk from the first-start screen", { skip: !server && "needs the PostgreSQL cluster: E2E_ENGINE=postgres tests/e2e/run" }, () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);
  // A login that must give its password (tests/pg/cluster: the password_login group) and the
  // empty database it owns, as a DBA would hand them out.
  const user = `e2e_dana_${process.pid}`;
  const database = `e2e_team_${process.pid}`;
  const password = "Desk-pass-1";
  const port = server ? new URL(server).port : "";
  const saved = join(process.env.XDG_DATA_HOME ?? "", "escalation-desk", "team-desk.json");
  let kept = "";

  const start = async (args) => {
    await s?.quit();
    s = await Session.start({ application: resolve(process.env.E2E_APP), args });
  };
  const teamDeskUrl = () => server.replace(/\/[^/]*$/, `/${database}`);

  after(async () => {
    await s?.quit();
  });

  step("a new workstation's first screen offers a team desk, and checks the address beside its fields", async () => {
    // A new workstation: no team desk saved (other journeys' "Sign in as someone else" saved one).
    rmSync(saved, { force: true });
    psql(server, `CREATE ROLE ${user} LOGIN PASSWORD '${password}' IN ROLE password_login`);
    psql(server, `CREATE DATABASE ${database} OWNER ${user}`);
    await start(["--db", join(mkdtempSync(join(tmpdir(), "escalation-desk-e2e-")), "desk.sqlite3")]);
    await s.findWithText("h1", "Welcome to Escalation Desk");
    await (await s.find("[data-testid=connect-team-desk]")).click();
    await s.findWithText("h1", "Connect to a team desk");
    assert.equal(await (await s.find("#team-desk-port")).property("value"), "5432", "PostgreSQL's port by default");
    await (await s.find("#team-desk-host")).fill("db server/1");
    await (await s.find("#team-desk-port")).fill("0");
    await (await s.findWithText("button", "Connect")).click();
    assert.match(await (await s.find("#team-desk-host-error")).text(), /only the server's name/);
    assert.match(await (await s.find("#team-desk-port-error")).text(), /1 to 65535/);
    assert.match(await (await s.find("#team-desk-user-error")).text(), /Enter your user name/);
    assert.equal(await (await s.find("#team-desk-host")).attr("aria-invalid"), "true");
    await shoot(s, "team-desk-01-address-errors");
  });

  step("a wrong password is refused with the server's reason, and nothing is saved", async () => {
    await (await s.find("#team-desk-host")).fill("127.0.0.1");
    await (await s.find("#team-desk-port")).fill(port);
    await (await s.find("#team-desk-database")).fill(database);
    await (await s.find("#team-desk-user")).fill(user);
    await (await s.find("#team-desk-password")).fill("not-the-password");
    await (await s.findWithText("button", "Connect")).click();
    const summary = await s.find("[data-testid=error-summary]");
    assert.match(await summary.text(), /Could not connect to the team desk 127\.0\.0\.1:\d+\/e2e_team_\d+: password authentication failed for user "e2e_dana_\d+"$/);
    await s.findWithText("h1", "Connect to a team desk");
    assert.ok(!existsSync(saved), "no team desk saved for a refused login");
    await shoot(s, "team-desk-02-wrong-password");
  });

  step("the right password opens the team desk at once; a login nobody has mapped to a person is told whom to ask", async () => {
    await (await s.find("#team-desk-password")).fill(password);
    await (await s.findWithText("button", "Connect")).click();
    const note = await s.find("[data-testid=team-desk-connected]", { timeout: 30000 });
    kept = /keyring for the next start/.test(await note.text()) ? "keyring" : "memory";
    // On a team desk the login is who you are: no identity form, but the login named and the
    // command the desk's manager runs.
    await s.findWithText("h1", "Your login is not a person on this team desk yet");
    const why = await (await s.find("[data-testid=login-not-a-person]")).text();
    assert.ok(why.includes(`the login ${user}`) && why.includes(`escalation-desk desk grant URL ${user}`), why);
    assert.equal((await s.findAll("#identity-name")).length, 0);
    await shoot(s, "team-desk-03-login-not-a-person");
  });

  step("once the manager maps the login, the window is that person, and the header names the team desk", async () => {
    // What the desk's manager (here the cluster's superuser) runs.
    initDesk(teamDeskUrl());
    execFileSync(process.env.E2E_APP, ["desk", "grant", teamDeskUrl(), user, "manager", "--name", "Dana Whitfield", "--email", "dana.whitfield@doit.state.gov"]);
    await (await s.find("[data-testid=check-login-again]")).click();
    assert.match(await (await s.find("[data-testid=current-user]", { timeout: 10000 })).text(), /^Dana Whitfield · Escalation manager/);
    const desk = await (await s.find("[data-testid=open-desk]")).property("textContent");
    assert.equal(desk, `Team desk 127.0.0.1:${port}/${database}`);
    assert.equal(await (await s.find("header .who .link-button")).text(), "Sign in as someone else");
    // The person is the team desk's, not the file's the window started on.
    assert.equal(psql(teamDeskUrl(), `SELECT name FROM users WHERE login = '${user}'`), "Dana Whitfield");
    const file = readFileSync(saved, "utf8");
    assert.deepEqual(JSON.parse(file), { host: "127.0.0.1", port: Number(port), database, user, caFile: null });
    assert.ok(!file.includes(password), "the password is never in the saved address");
    await shoot(s, "team-desk-04-mapped");
  });

  step("the next start opens the team desk again, asking for the password where there is no keyring", async () => {
    await start([]);
    if (kept === "memory") {
      await s.findWithText("h1", "Connect to your team desk");
      assert.match(await (await s.find("[data-testid=team-desk-form] [role=status]")).text(), /Enter your password for the team desk 127\.0\.0\.1:\d+\/e2e_team_\d+/);
      assert.equal(await (await s.find("#team-desk-host")).property("value"), "127.0.0.1", "the saved address is filled in");
      assert.equal(await (await s.find("#team-desk-user")).property("value"), user);
      assert.equal(await s.activeElementId(), "team-desk-password", "the one thing to type has the focus");
      await shoot(s, "team-desk-05-password-again");
      await (await s.find("#team-desk-password")).fill(password);
      await (await s.findWithText("button", "Connect")).click();
    }
    const desk = await s.find("[data-testid=open-desk]", { timeout: 30000 });
    assert.equal(await desk.property("textContent"), `Team desk 127.0.0.1:${port}/${database}`);
    assert.match(await (await s.find("[data-testid=current-user]")).text(), /Dana Whitfield/);
    await shoot(s, "team-desk-06-dashboard-on-team-desk");
    // At 1366 px the header holds everything in its one bar: nothing spills out of it, its parts
    // do not overlap, and the name is whole. The team desk's long label once squeezed "Sign in as
    // someone else" into four lines, cut off above and below the bar.
    const misplaced = await s.execute(`
      const header = document.querySelector("header.top");
      const bar = header.getBoundingClientRect();
      const name = (e) => (e.textContent || "").trim() || e.tagName;
      const out = [...header.querySelectorAll("a, button, input, span")]
        .filter((e) => { const r = e.getBoundingClientRect(); return r.top < bar.top - 0.5 || r.bottom > bar.bottom + 0.5 || r.left < bar.left - 0.5 || r.right > bar.right + 0.5; })
        .map((e) => "outside the bar: " + name(e));
      const parts = [...header.children];
      for (let i = 1; i < parts.length; i++) {
        if (parts[i].getBoundingClientRect().left < parts[i - 1].getBoundingClientRect().right - 0.5) out.push("overlaps the part before it: " + name(parts[i]));
      }
      const user = header.querySelector("[data-testid=current-user]");
      if (user.scrollWidth > user.clientWidth + 1 || user.getBoundingClientRect().left < parts[parts.length - 2].getBoundingClientRect().right) out.push("the name is cut: " + name(user));
      // The search box's placeholder is whole, and the "/" shown beside it (when there is room)
      // does not cover it: the box gives way to the name, and "Search (press /)" was cut to "Search (p".
      const search = header.querySelector("[data-testid=search]");
      const style = getComputedStyle(search);
      const ctx = document.createElement("canvas").getContext("2d");
      ctx.font = style.font;
      const textEnd = search.getBoundingClientRect().left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft) + ctx.measureText(search.placeholder).width;
      const inner = search.getBoundingClientRect().right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
      if (textEnd > inner + 0.5) out.push("the search box's placeholder is cut: " + search.placeholder);
      const key = search.parentElement.querySelector(".key");
      if (key && key.getClientRects().length && key.getBoundingClientRect().left < textEnd) out.push("the / hint covers the placeholder");
      return out;`);
    assert.deepEqual(misplaced, [], "every part of the header lies whole within its bar");
  });

  step("this workstation's own desk can be chosen instead, and the team desk is forgotten", async () => {
    // Stop the server answering the login: the first screen offers the way back.
    psql(server, `ALTER ROLE ${user} PASSWORD 'changed-by-the-dba'`);
    await start([]);
    await s.findWithText("h1", "Connect to your team desk", { timeout: 30000 });
    await (await s.find("[data-testid=use-workstation-desk]")).click();
    await s.findWithText("h1", "Welcome to Escalation Desk");
    assert.match(await (await s.find("main code")).text(), /escalation-desk\/escalation-desk\.sqlite3$/);
    assert.ok(!existsSync(saved), "the saved team desk is gone");
    await shoot(s, "team-desk-07-back-to-workstation");
  });

  step("a saved team desk whose login needs no password opens at the next start without asking for one", async () => {
    // A login the server trusts (the test cluster trusts loopback logins outside password_login),
    // saved as "Connect to a team desk" saves it; no keyring holds a password for it.
    const login = personLogin(teamDeskUrl(), "Elena Vargas", "elena.vargas@doit.state.gov", "abrm");
    mkdirSync(join(process.env.XDG_DATA_HOME ?? "", "escalation-desk"), { recursive: true });
    writeFileSync(saved, JSON.stringify({ host: "127.0.0.1", port: Number(port), database, user: login, caFile: null }));
    await start([]);
    assert.match(await (await s.find("[data-testid=current-user]", { timeout: 30000 })).text(), /^Elena Vargas · ABRM/);
    assert.equal((await s.findAll("#team-desk-password")).length, 0, "no password asked");
    rmSync(saved, { force: true });
  });
});
