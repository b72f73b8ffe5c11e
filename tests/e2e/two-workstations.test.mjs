// Two workstations on one team desk (E2E_ENGINE=postgres; two app windows, each through its own
// driver and display): a case opened on one appears on the other's open dashboard without reloading, and a
// workstation that loses the server says so at once, refuses a change with a clear message
// keeping what was typed, and connects again by itself.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { deskLoginFor, fillIntake, initDesk, openCase, psql, shoot, startOnDesk, step as journeyStep } from "./app.mjs";

const server = process.env.E2E_PG_URL;

describe("two workstations on one team desk see each other's work as it happens", { skip: !server && "needs the PostgreSQL cluster: E2E_ENGINE=postgres tests/e2e/run" }, () => {
  let manager;
  let abrm;
  let current;
  const step = (name, fn) => journeyStep(test, name, () => current, fn);
  const database = `e2e_live_${process.pid}`;
  const desk = server ? server.replace(/\/[^/]*$/, `/${database}`) : "";
  const admin = (sql, on = server) => psql(on, sql);
  // Each window is its person's own login: the desk knows who is at which workstation.

  after(async () => {
    if (server) admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await manager?.quit();
    await abrm?.quit();
  });

  step("the manager's and the ABRM's windows open on the same team desk", async () => {
    admin(`CREATE DATABASE ${database}`);
    initDesk(desk);
    const dana = deskLoginFor(desk, "Dana Whitfield", "dana.whitfield@doit.state.gov", "manager");
    const elena = deskLoginFor(desk, "Elena Vargas", "elena.vargas@doit.state.gov", "abrm");
    manager = current = await startOnDesk(process.env.E2E_DRIVER_PORT, dana);
    assert.match(await (await manager.find("[data-testid=current-user]")).text(), /^Dana Whitfield · Escalation manager/);
    abrm = await startOnDesk(process.env.E2E_DRIVER_PORT_2, elena);
    current = abrm;
    await abrm.findWithText("h1", "Dashboard");
    // Known by the login, not typed: no identity form, and the header names the ABRM.
    assert.match(await (await abrm.find("[data-testid=current-user]")).text(), /^Elena Vargas · ABRM/);
    assert.equal((await abrm.findAll("#identity-name")).length, 0);
    await abrm.find("[data-testid=load-sample]");
  });

  step("a case the manager opens appears on the ABRM's open dashboard without reloading", async () => {
    current = manager;
    await openCase(manager, { ticket: "INC0200001", title: "Statewide payroll portal down", agency: "State Personnel Office", service: "Payroll portal" });
    const opened = Date.now();
    current = abrm;
    await abrm.findWithText("[data-testid=escalated-cases] a", "INC0200001", { timeout: 3000 });
    const seenAfter = Date.now() - opened;
    assert.ok(seenAfter < 3000, `seen after ${seenAfter} ms`);
    await shoot(abrm, "two-01-abrm-sees-the-new-case");
  });

  step("the ABRM's login may not open a case: the server refuses it, the window says so and keeps the form", async () => {
    current = abrm;
    await fillIntake(abrm, { ticket: "INC0200009", title: "Opened by the wrong login", agency: "State Personnel Office", service: "Payroll portal" });
    await (await abrm.findWithText("button", "Open case")).click();
    const summary = await abrm.find("[data-testid=error-summary]");
    assert.match(await summary.text(), /Your login may not do this on the team desk/);
    assert.equal(await (await abrm.find("#intake-title")).property("value"), "Opened by the wrong login");
    assert.equal(admin(`SELECT COUNT(*) FROM cases WHERE ticket = 'INC0200009'`, desk), "0", "nothing written");
    await shoot(abrm, "two-02a-abrm-may-not-open-a-case");
    await (await abrm.findWithText("nav a", "Dashboard")).click();
  });

  step("a workstation that loses the server says so at once and refuses a change, keeping what was typed", async () => {
    current = manager;
    // The server stops taking this desk's connections (as in an outage) and drops the open ones.
    admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);
    await manager.find("[data-testid=desk-unreachable]", { timeout: 3000 });
    await fillIntake(manager, { ticket: "INC0200002", title: "Benefits portal slow", agency: "Human Services Department", service: "Benefits portal" });
    await (await manager.findWithText("button", "Open case")).click();
    const summary = await manager.find("[data-testid=error-summary]");
    assert.match(await summary.text(), /team desk (cannot be reached|was lost)/);
    assert.equal(await (await manager.find("#intake-title")).property("value"), "Benefits portal slow", "nothing typed is lost");
    await shoot(manager, "two-03-server-lost");
  });

  step("once the server answers again the header clears by itself and the change goes through", async () => {
    current = manager;
    admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await manager.waitFor(async () => (await manager.findAll("[data-testid=desk-unreachable]")).length === 0 || undefined, {
      timeout: 10000,
      what: "the header to clear",
    });
    await (await manager.findWithText("button", "Open case")).click();
    await manager.findWithText("h1", "INC0200002", { timeout: 10000 });
    current = abrm;
    await (await abrm.findWithText("nav a", "Dashboard")).click();
    await abrm.findWithText("[data-testid=escalated-cases] a", "INC0200002", { timeout: 3000 });
    await shoot(abrm, "two-04-abrm-sees-the-managers-case");
  });
});
