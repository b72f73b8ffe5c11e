// Two workstations on one team desk (E2E_ENGINE=postgres; two app windows, each through its own
// driver): a case opened on one appears on the other's open dashboard without reloading, and a
// workstation that loses the server says so at once, refuses a change with a clear message
// keeping what was typed, and connects again by itself.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { identify, openCase, shoot, step as journeyStep } from "./app.mjs";
import { Session } from "./webdriver.mjs";

const server = process.env.E2E_PG_URL;

describe("two workstations on one team desk see each other's work as it happens", { skip: !server && "needs the PostgreSQL cluster: E2E_ENGINE=postgres tests/e2e/run" }, () => {
  let manager;
  let abrm;
  let current;
  const step = (name, fn) => journeyStep(test, name, () => current, fn);
  const database = `e2e_live_${process.pid}`;
  const desk = server ? server.replace(/\/[^/]*$/, `/${database}`) : "";
  const admin = (sql) => execFileSync("psql", [server, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]);
  const start = (driverPort) =>
    Session.start({ url: `http://127.0.0.1:${driverPort}`, application: resolve(process.env.E2E_APP), args: ["--desk", desk] });

  after(async () => {
    if (server) admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await manager?.quit();
    await abrm?.quit();
  });

  step("the manager's and the ABRM's windows open on the same team desk", async () => {
    admin(`CREATE DATABASE ${database}`);
    manager = current = await start(process.env.E2E_DRIVER_PORT);
    await identify(manager);
    abrm = await start(process.env.E2E_DRIVER_PORT_2);
    current = abrm;
    await abrm.findWithText("h1", "Dashboard");
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

  step("a workstation that loses the server says so at once and refuses a change, keeping what was typed", async () => {
    current = abrm;
    // The server stops taking this desk's connections (as in an outage) and drops the open ones.
    admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);
    await abrm.find("[data-testid=desk-unreachable]", { timeout: 3000 });
    await (await abrm.findWithText("nav a", "New case")).click();
    await abrm.findWithText("h1", "New case");
    await (await abrm.find("#intake-ticket")).fill("INC0200002");
    await (await abrm.find("#intake-title")).fill("Benefits portal slow");
    await (await abrm.find("#intake-agency")).fill("Human Services Department");
    await (await abrm.find("#intake-affectedService")).fill("Benefits portal");
    await (await abrm.find("#intake-reportedBy")).fill("Service desk");
    await (await abrm.find("#intake-levelReason")).fill("Raised for the outage test");
    await (await abrm.findWithText("button", "Open case")).click();
    const summary = await abrm.find("[data-testid=error-summary]");
    assert.match(await summary.text(), /team desk (cannot be reached|was lost)/);
    assert.equal(await (await abrm.find("#intake-title")).property("value"), "Benefits portal slow", "nothing typed is lost");
    await shoot(abrm, "two-02-server-lost");
  });

  step("once the server answers again the header clears by itself and the change goes through", async () => {
    current = abrm;
    admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await abrm.waitFor(async () => (await abrm.findAll("[data-testid=desk-unreachable]")).length === 0 || undefined, {
      timeout: 10000,
      what: "the header to clear",
    });
    await (await abrm.findWithText("button", "Open case")).click();
    await abrm.findWithText("h1", "INC0200002", { timeout: 10000 });
    current = manager;
    await (await manager.findWithText("nav a", "Dashboard")).click();
    await manager.findWithText("[data-testid=escalated-cases] a", "INC0200002", { timeout: 3000 });
    await shoot(manager, "two-03-manager-sees-the-abrms-case");
  });
});
