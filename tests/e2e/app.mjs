// Starts the built app through tauri-driver on a fresh database (a SQLite file, or with E2E_PG_URL a
// new database on that PostgreSQL server, opened as a team desk), and keeps screenshots as artifacts.
// Steps of a journey share one session; add a step as another test() in the journey's describe().
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";

export const ARTIFACTS = resolve(process.env.E2E_ARTIFACTS ?? "tests/e2e/artifacts");

export async function launch() {
  const application = process.env.E2E_APP;
  if (!application) throw new Error("E2E_APP must name the built app binary (tests/e2e/run sets it)");
  if (process.env.E2E_PG_URL) {
    const name = `e2e_${process.pid}_${++teamDesks}`;
    psql(process.env.E2E_PG_URL, `CREATE DATABASE ${name}`);
    const desk = process.env.E2E_PG_URL.replace(/\/[^/]*$/, `/${name}`);
    // The desk as a division sets it up: schema and roles, then Dana's own login mapped to her.
    initDesk(desk);
    const url = deskLoginFor(desk, "Dana Whitfield", "dana.whitfield@doit.state.gov", "manager");
    const session = await Session.start({ application: resolve(application), args: ["--desk", url] });
    session.desk = desk;
    return { session, db: null, desk };
  }
  const db = join(mkdtempSync(join(tmpdir(), "escalation-desk-e2e-")), "desk.sqlite3");
  const session = await Session.start({ application: resolve(application), args: ["--db", db] });
  return { session, db };
}

/** `escalation-desk desk init` on a new team desk (`desk`: its URL as the cluster's superuser). */
export function initDesk(desk) {
  execFileSync(process.env.E2E_APP, ["desk", "init", desk], { encoding: "utf8" });
}

/** A person's own login on the test cluster (made if new; the cluster trusts loopback logins
 *  outside the password_login group), given the desk role `role` on `desk` and mapped to the
 *  person, as the desk's manager does with `escalation-desk desk grant`. Returns the login. */
export function personLogin(desk, name, email, role) {
  const login = `e2e_${email.split("@")[0].replace(/[^a-z0-9]/gi, "_").toLowerCase()}`;
  psql(desk, `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${login}') THEN CREATE ROLE ${login} LOGIN; END IF; END $$`);
  execFileSync(process.env.E2E_APP, ["desk", "grant", desk, login, role, "--name", name, "--email", email], { encoding: "utf8" });
  return login;
}

/** The team desk's URL as a person's own login (see personLogin). */
export function deskLoginFor(desk, name, email, role) {
  const login = personLogin(desk, name, email, role);
  return desk.replace(/\/\/[^@/]*@/, `//${login}@`);
}
let teamDesks = 0;

/** Runs one SQL statement on a PostgreSQL database (the test cluster's), returning its output
 *  unaligned and trimmed: what a journey checks or changes behind the app's back. */
export function psql(url, sql) {
  return execFileSync("psql", [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" }).trim();
}

/** Starts the app on the team desk at `deskUrl` through the driver on `driverPort` (the journeys
 *  with two workstations have one driver, and one display, each). */
export function startOnDesk(driverPort, deskUrl) {
  return Session.start({ url: `http://127.0.0.1:${driverPort}`, application: resolve(process.env.E2E_APP), args: ["--desk", deskUrl] });
}

/** Runs SQL on the journey's desk behind the app's back (time passing, a tampered row): `sqlite`
 *  through python3's sqlite3 on the file, or `postgres` through psql on the team desk. */
export function sqlOnDesk({ db, desk }, { sqlite, postgres }) {
  if (desk) {
    psql(desk, postgres);
  } else {
    execFileSync("python3", ["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], timeout=10)\nc.execute(sys.argv[2])\nc.commit()", db, sqlite]);
  }
}

/** Basic accessibility checks on what is on screen: unique ids, and a label for every control. */
export async function checkPage(session) {
  const problems = await session.execute(`
    const out = [];
    const ids = {};
    for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
    for (const [id, n] of Object.entries(ids)) if (n > 1) out.push("id used " + n + " times: " + id);
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden") continue;
      const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest("label")
        || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
      if (!labelled) out.push("control without a label: " + (el.id || el.name || el.outerHTML.slice(0, 60)));
    }
    return out;`);
  if (problems.length > 0) throw new Error(`accessibility problems on screen:\n${problems.join("\n")}`);
}

// axe-core is a devDependency of ui/ (npm ci there installs it); the journeys have no packages of
// their own, so its script is read from ui/node_modules by path.
const AXE_PATH = fileURLToPath(new URL("../../ui/node_modules/axe-core/axe.min.js", import.meta.url));
// WCAG 2.0 and 2.1, levels A and AA (what Section 508 buyers check), and axe's best practices.
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const AXE_FAILS = new Set(["serious", "critical"]);
let axeSource;

/** Runs axe-core on the document on screen, keeps its whole result as `<name>.axe.json` among the
 *  artifacts, and fails on any violation of serious or critical impact. */
export async function checkAxe(session, name) {
  // Once per document: WebDriver's scripts run outside the page's CSP (script-src 'self').
  let version = await session.execute(`return typeof window.axe === "object" ? window.axe.version : null;`);
  if (!version) {
    try {
      axeSource ??= readFileSync(AXE_PATH, "utf8");
    } catch (e) {
      throw new Error(`axe-core is not installed (${AXE_PATH}: ${e.code}); run npm ci in ui/`);
    }
    version = await session.execute(`${axeSource}\nreturn typeof window.axe === "object" ? window.axe.version : null;`);
    if (!version) throw new Error("axe-core did not load into the page");
  }
  const json = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
    window.axe
      .run(document, { runOnly: { type: "tag", values: arguments[0] }, resultTypes: ["violations", "incomplete"] })
      .then((r) => done(JSON.stringify(r)), (e) => done(JSON.stringify({ error: String((e && e.stack) || e) })));`,
    [AXE_TAGS],
  );
  const result = JSON.parse(json);
  if (result.error) throw new Error(`axe-core failed on ${name}: ${result.error}`);
  const file = join(ARTIFACTS, `${name}.axe.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  const failing = result.violations.filter((v) => AXE_FAILS.has(v.impact));
  if (failing.length > 0) {
    const lines = failing.map((v) => {
      const targets = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ");
      const more = v.nodes.length > 3 ? `, and ${v.nodes.length - 3} more` : "";
      return `  ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} element(s): ${targets}${more})`;
    });
    throw new Error(`axe-core ${version} found ${failing.length} serious or critical violation(s) on ${name} (all findings: ${file}):\n${lines.join("\n")}`);
  }
  return result;
}

export async function shoot(session, name) {
  await checkPage(session);
  // WebKit paints asynchronously: give the last change a moment to reach the screen.
  await new Promise((r) => setTimeout(r, 400));
  const path = await session.screenshot(join(ARTIFACTS, `${name}.png`));
  await checkAxe(session, name);
  return path;
}

/** A step of a journey: a test that keeps a screenshot of the window when it fails. */
let failures = 0;
export function step(test, name, getSession, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      const s = getSession();
      if (s) await s.screenshot(join(ARTIFACTS, `FAILED-${++failures}.png`)).catch(() => {});
      throw e;
    }
  });
}

/** Answers the first-start form, as every journey on a fresh database must. */
export async function identify(session, name = "Dana Whitfield", email = "dana.whitfield@doit.state.gov") {
  if (session.desk) {
    // A team desk: the login is who you are; launch() signed Dana in.
    const who = await session.find("[data-testid=current-user]");
    if (!(await who.text()).startsWith(`${name} ·`)) await switchUser(session, name, email);
    return;
  }
  await (await session.find("#identity-name")).fill(name);
  await (await session.find("#identity-email")).fill(email);
  await (await session.findWithText("button", "Continue")).click();
  await session.find("[data-testid=current-user]");
}

/** A fresh desk with the sample escalations loaded, its dashboard showing them. */
export async function launchWithSample() {
  const launched = await launch();
  await identify(launched.session);
  await (await launched.session.find("[data-testid=load-sample]")).click();
  await launched.session.find("[data-testid=escalated-cases] tbody tr");
  return launched;
}

/** Fills the intake form (from any screen) without opening the case. */
export async function fillIntake(s, { ticket, title, agency, service, level = "escalated", reason = `Raised as ${level} for the test` }) {
  await (await s.findWithText("nav a", "New case")).click();
  await s.findWithText("h1", "New case");
  await (await s.find("#intake-ticket")).fill(ticket);
  await (await s.find("#intake-title")).fill(title);
  await (await s.find("#intake-agency")).fill(agency);
  await (await s.find("#intake-affectedService")).fill(service);
  await (await s.find("#intake-reportedBy")).fill("Service desk");
  await (await s.find("#intake-impact")).choose("high");
  if (level === "elevated") await (await s.find("input[name=intake-level][value=elevated]")).click();
  await (await s.find("#intake-levelReason")).fill(reason);
}

/** Takes in a case through the intake form and waits for its page. */
export async function openCase(s, fields) {
  await fillIntake(s, fields);
  await (await s.findWithText("button", "Open case")).click();
  await s.findWithText("h1", fields.ticket);
}

/** Messages the test SMTP server has received (tests/e2e/run starts it), as text. */
export function receivedMail() {
  const dir = process.env.E2E_SMTP_MAILDIR;
  const out = [];
  for (const sub of ["new", "cur"]) {
    let names = [];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const n of names) out.push(readFileSync(join(dir, sub, n), "utf8"));
  }
  return out;
}

/** Points the app's mail settings at the local test SMTP server (STARTTLS + AUTH, test CA). */
export async function setupMail(s) {
  await (await s.findWithText("nav a", "Settings")).click();
  // The form takes typing once the saved settings have arrived (a team desk's shared ones).
  await s.find("[data-testid=smtp-form][aria-busy=false]");
  await (await s.find("#smtp-host")).fill("127.0.0.1");
  await (await s.find("#smtp-port")).fill(process.env.E2E_SMTP_PORT);
  await (await s.find("#smtp-username")).fill(process.env.E2E_SMTP_USER);
  await (await s.find("#smtp-password")).fill(process.env.E2E_SMTP_PASSWORD);
  await (await s.find("#smtp-senderAddress")).fill("escalations@doit.state.gov");
  await (await s.findWithText("summary", "Certificate authorities")).click();
  await (await s.find("#smtp-extraCaPem")).paste(readFileSync(process.env.E2E_SMTP_CA, "utf8"));
  await (await s.findWithText("button", "Save settings")).click();
  await s.findWithText("[role=status]", "Saved");
}

/** Changes who is at the workstation ("Not you?"). */
export async function switchUser(s, name, email, role = name === "Dana Whitfield" ? "manager" : "abrm") {
  if (!s.desk) {
    await (await s.findWithText("button", "Not you?")).click();
    await identify(s, name, email);
    return;
  }
  // A team desk: the person's own login, through "Sign in as someone else".
  const login = personLogin(s.desk, name, email, role);
  await (await s.findWithText("button", "Sign in as someone else")).click();
  await s.findWithText("h1", "Sign in as someone else");
  await (await s.find("#team-desk-user")).fill(login);
  await (await s.find("#team-desk-password")).fill("trusted-on-loopback");
  await (await s.findWithText("button", "Connect")).click();
  await s.waitFor(async () => {
    const who = await s.findAll("[data-testid=current-user]");
    return (who.length > 0 && (await who[0].text()).startsWith(`${name} ·`)) || undefined;
  }, { timeout: 30000, what: `${name} signed in` });
}

/** Signs the report as `role` ("escalation manager" or "ABRM"), confirming an empty improvement plan. */
export async function signOff(s, role) {
  const seen = new Set(receivedMail());
  await (await s.findWithText("button", `Sign off as ${role}`)).click();
  await (await s.findWithText("[data-testid=confirm-empty-plan] button", "Sign off anyway")).click();
  // The code goes to the signer's directory address: read it from the mail, as the signer does.
  const form = await s.find("[data-testid=signoff-code-form]");
  const to = /mailed to (\S+) \(/.exec(await form.text())[1];
  const code = await s.waitFor(() => {
    // The new one: an earlier code to the same signer is superseded.
    const mail = receivedMail().find((m) => !seen.has(m) && m.includes(`X-Test-Rcpt-To: ${to}`) && m.includes("Sign-off code"));
    return mail && /Your sign-off code: (\d{6})/.exec(mail.replace(/=\r?\n/g, ""))?.[1];
  }, { timeout: 20000, what: `the sign-off code mailed to ${to}` });
  await (await s.find("#signoff-code")).fill(code);
  await (await s.findWithText("button", "Confirm sign-off")).click();
  await s.waitFor(async () => {
    const errors = await s.findAll("[data-testid=aar-error]");
    if (errors.length > 0) throw new Error(`the sign-off was refused: ${await errors[0].text()}`);
    return (await s.findAll("[data-testid=signoff-code-form]")).length === 0 || undefined;
  }, { what: "the sign-off to be confirmed" });
}
