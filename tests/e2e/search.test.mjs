// A manager finds things from the header's search box by keyboard: results as they type, grouped
// by kind with the matching words marked, diacritics folded, each opening its page at its place.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launchWithSample, shoot, step as journeyStep } from "./app.mjs";

const DOWN = "\uE015";
const ENTER = "\uE007";
const ESCAPE = "\uE00C";

describe("searching the desk from the header", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launchWithSample());
  });
  after(async () => {
    await s?.quit();
  });

  const groups = () =>
    s.execute(`return [...document.querySelectorAll("[data-testid^=search-group-]")].map((g) => g.dataset.testid.replace("search-group-", ""));`);
  const marked = () => s.execute(`return [...document.querySelectorAll("[data-testid=search-results] mark")].map((m) => m.textContent);`);

  step("slash focuses the search box and results come as the words are typed, grouped and marked", async () => {
    // Focus away from any field first: "/" in a field is typing.
    await (await s.find("h1")).click();
    await s.keys("/");
    assert.equal(await s.activeElementId(), "desk-search", "/ goes to the search box");
    await s.keys("cabinet");
    // The case's reason names the cabinet secretary, who is also in the directory by title.
    await s.waitFor(async () => (await groups()).join() === "case,person,event", { what: "the case, the secretary and the opening event" });
    const hits = await s.findAll("[data-testid=search-hit]");
    assert.equal(hits.length, 3);
    assert.match(await hits[0].text(), /Unemployment claims portal unavailable statewide/);
    assert.match(await hits[1].text(), /Linda Morales/);
    assert.match(await hits[2].text(), /INC0104233.*Case opened/s);
    assert.deepEqual([...new Set((await marked()).map((m) => m.toLowerCase()))], ["cabinet"], "only the word searched for is marked");
    await shoot(s, "70-search-results");
  });

  step("a query with diacritics finds the plain spelling, and nonsense finds nothing, saying so", async () => {
    const box = await s.find("#desk-search");
    await box.fill("Várgas");
    await s.waitFor(async () => (await groups()).includes("person"), { what: "Elena Vargas among the people" });
    assert.ok((await marked()).includes("Vargas"), "the stored spelling is marked");
    await box.fill("zzyzx qqq");
    await s.findWithText("[data-testid=search-results]", "Nothing on the desk matches");
  });

  step("Down and Enter open a hit: a timeline event opens the case page at that event", async () => {
    const box = await s.find("#desk-search");
    await box.fill("cabinet");
    await s.waitFor(async () => (await groups()).join() === "case,person,event", { what: "the three hits again" });
    await s.keys(DOWN + DOWN + DOWN);
    assert.equal(await box.attr("aria-activedescendant"), "search-hit-2", "the third hit is the active option");
    await s.keys(ENTER);
    await s.findWithText("h1", "INC0104233");
    await s.waitFor(
      async () => /^event-\d+$/.test(await s.execute(`return document.activeElement?.dataset?.place ?? "";`)),
      { what: "focus on the opening event in the timeline" },
    );
    assert.match(await s.execute(`return document.activeElement.textContent;`), /Case opened as escalated/);
    assert.equal((await s.findAll("[data-testid=search-results]")).length, 0, "the results closed");
    await shoot(s, "71-search-opened-event");
  });

  step("a person hit opens the directory searching for them; Escape closes, then clears", async () => {
    const box = await s.find("#desk-search");
    await box.fill("natarajan");
    // Her appointments to teams are timeline events; people come first.
    await s.waitFor(async () => (await groups())[0] === "person", { what: "Priya among the people, first" });
    await s.keys(ENTER);
    await s.findWithText("h1", "Directory");
    await s.waitFor(async () => (await (await s.find("#people-search")).property("value")) === "Priya Natarajan", { what: "the people list searching for Priya" });
    await s.findWithText("[data-testid=people-table] tbody tr", "Priya Natarajan");
    await box.click();
    await box.fill("priya");
    await s.find("[data-testid=search-results]");
    await s.keys(ESCAPE);
    await s.waitFor(async () => (await s.findAll("[data-testid=search-results]")).length === 0, { what: "results closed" });
    assert.equal(await box.property("value"), "priya", "the first Escape keeps the words");
    await s.keys(ESCAPE);
    assert.equal(await box.property("value"), "", "the second clears them");
  });
});
