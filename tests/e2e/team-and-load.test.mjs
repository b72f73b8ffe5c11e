// Import a directory, assemble a team, see a person flagged on two escalations, agree their order of work.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { identify, launch, openCase, shoot, step as journeyStep } from "./app.mjs";

// As Active Directory exports it: its own column names, "Family, Given" display names, a column
// we do not use (employeeID) and one the user must map by hand (ProcessRole).
const PEOPLE = `DisplayName,GivenName,Surname,mail,title,company,employeeID,ProcessRole
"Roe, Jane",Jane,Roe,jane.roe@doit.state.gov,Database administrator,DoIT,E100,
"Vargas, Elena",Elena,Vargas,elena.vargas@doit.state.gov,ABRM,DoIT,E101,ABRM
"Kim, Grace",Grace,Kim,grace.kim@doit.state.gov,Infrastructure manager,DoIT,E102,Department manager
"Row, Broken",Broken,Row,not-an-email,,DoIT,E103,
`;
const AGENCIES = `name,business_segment,abrm_email
Motor Vehicle Division,Transportation,elena.vargas@doit.state.gov
`;

describe("an escalation manager builds teams from an imported directory and agrees an order of work", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
    await identify(s);
  });
  after(async () => {
    await s?.quit();
  });

  step("a directory's people export is previewed with its columns mapped and its bad row reported, then imported", async () => {
    await (await s.findWithText("nav a", "Directory")).click();
    await s.findWithText("h1", "Directory");
    await (await s.findWithText("button", "Import CSV")).click();
    await (await s.find("#import-text-people")).paste(PEOPLE);
    await (await s.findWithText("button", "Preview import")).click();
    assert.match(await (await s.find("[data-testid=import-encoding]")).text(), /Read as UTF-8\. Ignored: employeeID, ProcessRole\./);
    // The user reads ProcessRole as the roles: the preview is redone with their choice.
    await (await s.find("#map-people-7")).choose("roles");
    await s.waitFor(async () => !/ProcessRole/.test(await (await s.find("[data-testid=import-encoding]")).text()), { what: "the preview redone with the chosen mapping" });
    const errors = await s.find("[data-testid=import-errors]");
    assert.match(await errors.text(), /5\s*email/, "line 5's email is reported");
    assert.equal((await s.findAll("[data-testid=import-preview] tbody tr")).length, 3);
    assert.equal((await s.findAll("[data-testid=people-table] tbody tr td[colspan]")).length, 1, "nothing imported before confirming");
    await shoot(s, "20-directory-import-preview");
    await (await s.findWithText("button", "Import 3 rows")).click();
    assert.match(await (await s.find("[data-testid=import-result]")).text(), /3 added/);
    await s.findWithText("[data-testid=people-table]", "Grace Kim");
    await s.findWithText("[data-testid=people-table]", "Department manager");
  });

  step("a person is chosen by keyboard in the list and edited beside it; a taken address is refused at its field", async () => {
    const activeLabel = () => s.execute("return document.activeElement?.getAttribute('aria-label') ?? ''", []);
    const edits = await s.findAll("[data-testid=people-table] [data-edit]");
    await edits[0].type("\uE015"); // ArrowDown
    assert.equal(await activeLabel(), "Edit Grace Kim", "the arrow moves to the next row's Edit");
    await edits[1].type("\uE007"); // Enter
    await s.findWithText("#person-form-heading", "Edit Grace Kim");
    await s.findWithText("[data-testid=people-table] tr[aria-current=true]", "Grace Kim");
    await (await s.find("#person-email")).fill("jane.roe@doit.state.gov");
    await (await s.findWithText("form.side-editor button", "Save")).click();
    const error = await s.find("[data-field=person-email] .error");
    assert.match(await error.text(), /already belongs to Jane Roe/, "the backend's refusal beside the field it names");
    assert.equal(await (await s.find("#person-email")).attr("aria-invalid"), "true");
    await shoot(s, "20b-directory-editor-error");
    await (await s.find("#person-email")).type("\uE00C"); // Escape
    await s.waitFor(async () => (await s.findAll("form.side-editor")).length === 0, { what: "the editor closed" });
    assert.equal(await activeLabel(), "Edit Grace Kim", "focus is back on the row the editor came from");
    await s.findWithText("[data-testid=people-table]", "grace.kim@doit.state.gov");
  });

  step("an agency CSV names its ABRM by email", async () => {
    await (await s.find("#tab-agencies")).click();
    await (await s.findWithText("button", "Import CSV")).click();
    await (await s.find("#import-text-agencies")).paste(AGENCIES);
    await (await s.findWithText("button", "Preview import")).click();
    await (await s.findWithText("button", "Import 1 row")).click();
    await s.findWithText("table.data", "Elena Vargas");
  });

  step("a team is assembled from the directory's suggestion and a chosen person, and the case can move on", async () => {
    await openCase(s, { ticket: "INC0200001", title: "Registration renewals failing", agency: "Motor Vehicle Division", service: "MVD Online" });
    await (await s.findWithText("[data-testid=team-panel] button", "Appoint as ABRM")).click();
    await s.findWithText("[data-testid=team-panel] table", "Elena Vargas");
    const person = await s.find("#appoint-person");
    const options = await person.findAll("option");
    let jane;
    for (const o of options) if ((await o.text()).startsWith("Jane Roe")) jane = await o.attr("value");
    await person.choose(jane);
    await (await s.find("#appoint-role")).choose("incident_owner");
    await (await s.find("[data-testid=team-panel] form.appoint button[type=submit]")).click();
    await s.findWithText("[data-testid=team-panel] table", "Jane Roe");
    await (await s.find("button[data-action=advance]")).click();
    await s.findWithText(".badges", "Stage: Team");
    await (await s.find("button[data-action=advance]")).click();
    await s.findWithText(".badges", "Stage: Appraisal");
    await s.findWithText("[data-testid=timeline]", "Appointed Jane Roe (DoIT) as Incident owner");
  });

  step("the same person on a second escalation is flagged on its team list", async () => {
    await openCase(s, { ticket: "INC0200002", title: "Kiosk payments declined", agency: "Motor Vehicle Division", service: "MVD Kiosks" });
    const person = await s.find("#appoint-person");
    for (const o of await person.findAll("option")) if ((await o.text()).startsWith("Jane Roe")) await person.choose(await o.attr("value"));
    await (await s.find("[data-testid=team-panel] form.appoint button[type=submit]")).click();
    const flag = await s.find("[data-testid=load-flag]");
    assert.match(await flag.text(), /On 2 escalations/);
    assert.match(await flag.text(), /No agreed order of work yet/);
    await shoot(s, "21-case-team-flagged");
  });

  step("on the staff load view the order of work is agreed and it shows on each case", async () => {
    await (await s.findWithText("nav a", "Staff load")).click();
    const card = await s.find("[data-testid=load-card][data-person='jane.roe@doit.state.gov']");
    const firstBefore = await (await card.findAll(".order li"))[0].text();
    assert.match(firstBefore, /INC0200001/);
    await (await s.find("button[aria-label='Move INC0200002 up']")).click();
    await s.waitFor(async () => /INC0200002/.test(await (await card.findAll(".order li"))[0].text()), { what: "reordered list" });
    await (await s.findWithText("[data-testid=load-card] button", "Record order of work")).click();
    assert.match(await (await s.find("[id^=agreed-by-][id$=-error]")).text(), /Choose who agreed/);
    const agreedBy = await s.find("select[id^=agreed-by-]");
    for (const o of await agreedBy.findAll("option")) if ((await o.text()) === "Grace Kim") await agreedBy.choose(await o.attr("value"));
    await (await s.find("textarea[id^=reason-]")).fill("Kiosk payments affect walk-in customers today");
    await (await s.findWithText("[data-testid=load-card] button", "Record order of work")).click();
    await s.findWithText("[data-testid=load-card]", "Agreed with Grace Kim");
    await shoot(s, "22-staff-load");
    await (await s.findWithText("[data-testid=load-card] a", "INC0200001")).click();
    const flag = await s.find("[data-testid=load-flag]");
    await s.waitFor(async () => /Order of work: 2 of 2, agreed with Grace Kim/.test(await flag.text()), { what: "order on the team list" });
  });
});
