// Hostile input on screen (issue 15): a case taken in with markup, script, SVG, bidi controls and
// zero-width characters in its title, description, reporter and reason. On the case page, the
// dashboard and the header's search, none of it becomes an element or runs, and all of it reads as
// the text typed. (The mail, PDFs, iCalendar and CSV are checked in
// src-tauri/core/tests/hostile_payloads.rs.)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fillIntake, identify, launch, shoot, step as journeyStep } from "./app.mjs";

// Each would set window.__pwned if the page ran it (the CSP forbids inline script, so an element
// made from the text is the failure that matters; the flag catches a handler that did run).
const FIELDS = {
  title: "Hostile <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> invoice\u202Efdp.exe",
  description:
    "<svg onload=\"window.__pwned=3\"><circle r=\"9\"/></svg> zero\u200Bwidth\u200Djoiner\uFEFFmark \u2066isolated\u2069 end",
  reportedBy: "<img src=x onerror=\"window.__pwned=4\">\u200B Maria",
  levelReason: "\"><script>window.__pwned=5</script> \u202Etxt.exe \u2066\u05E9\u05DC\u05D5\u05DD\u2069 outage",
};
const TICKET = "INC0109595";

/** Elements a payload would make, were it read as markup. */
const MADE = "script:not([src]), img[src=x], svg[onload], [onerror], svg circle[r='9']";

describe("hostile text in every field of a case stays text on every screen", () => {
  let s;
  const step = (name, fn) => journeyStep(test, name, () => s, fn);

  before(async () => {
    ({ session: s } = await launch());
    await identify(s);
  });
  after(async () => {
    await s?.quit();
  });

  /** Fails when the page made an element from a payload or ran one; returns the text on screen
   *  (the document's text and the values of its fields, which show the text the same way). */
  async function inert(where) {
    const { made, pwned, text } = await s.execute(`
      return {
        made: [...document.querySelectorAll(arguments[0])].map((e) => e.outerHTML.slice(0, 80)),
        pwned: window.__pwned === undefined ? null : String(window.__pwned),
        text: document.body.textContent + "\\n" + [...document.querySelectorAll("input, textarea")].map((e) => e.value).join("\\n"),
      };`, [MADE]);
    assert.deepEqual(made, [], `${where}: no element was made from a payload`);
    assert.equal(pwned, null, `${where}: no payload ran`);
    return text;
  }

  step("the case is taken in with the payloads as typed, and its page shows them as text", async () => {
    await fillIntake(s, { ticket: TICKET, title: "placeholder", agency: "Department of Revenue", service: "Tax portal" });
    // Pasted, as such text arrives: typing would go through the keyboard's idea of each character.
    for (const [field, value] of Object.entries(FIELDS)) await (await s.find(`#intake-${field}`)).paste(value);
    await (await s.findWithText("button", "Open case")).click();
    await s.findWithText("h1", TICKET);
    await s.waitFor(async () => (await inert("the case page")).includes(FIELDS.title) || undefined, { what: "the title on the case page" });
    const text = await inert("the case page");
    for (const [field, value] of Object.entries(FIELDS)) {
      assert.ok(text.includes(value), `the case page shows the ${field} as typed, every character kept`);
    }
    // Serialized back, the title is escaped text, not markup.
    const html = await s.execute(`return document.body.innerHTML;`);
    assert.ok(html.includes("Hostile &lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x"), "the title is text in the document");
    await shoot(s, "95-hostile-case-page");
  });

  step("the dashboard lists the case with its title as text", async () => {
    await (await s.findWithText("nav a", "Dashboard")).click();
    const row = await s.findWithText("[data-testid=escalated-cases] tbody tr", TICKET);
    assert.ok((await row.property("textContent")).includes(FIELDS.title), "the row shows the title as typed");
    await inert("the dashboard");
    await shoot(s, "96-hostile-dashboard");
  });

  step("the header's search finds the case and shows its title as text, the word marked", async () => {
    const box = await s.find("#desk-search");
    await box.click();
    await box.fill("hostile");
    // The case's hit is titled "ticket · title"; its events name the ticket too, after it.
    const hit = await s.findWithText("[data-testid=search-group-case] [data-testid=search-hit]", TICKET);
    assert.ok((await hit.property("textContent")).includes(FIELDS.title), "the hit shows the title as typed");
    const marked = await s.execute(`return [...document.querySelectorAll("[data-testid=search-results] mark")].map((m) => m.textContent);`);
    assert.ok(marked.includes("Hostile"), `only words are marked: ${JSON.stringify(marked)}`);
    await inert("the search results");
    await shoot(s, "97-hostile-search");
  });
});
