import { expect, test } from "vitest";
import { shownChange } from "./planDiff";

const people = [{ id: 7, name: "Jane Roe" }];

test("a changed owner shows the person's name, not their id", () => {
  expect(shownChange("owner", "7", people)).toBe("Jane Roe");
  expect(shownChange("owner", "99", people)).toBe("someone no longer on the team");
  expect(shownChange("owner", "—", people)).toBe("—");
});

test("a changed due time shows in local time, not as stored RFC 3339 text", () => {
  const shown = shownChange("due", "2026-11-27T19:05:00+00:00", people, "en-GB");
  expect(shown).not.toContain("T19:05");
  expect(shown).toMatch(/27 Nov 2026/);
});

test("changed resources read as a list, not JSON", () => {
  const json = JSON.stringify([{ what: "Vendor DBA", fromWhom: "Acme", decision: "approved" }]);
  expect(shownChange("resources", json, people)).toBe("Vendor DBA (Acme, approved)");
  expect(shownChange("resources", "[]", people)).toBe("none");
});
