import { describe, expect, test } from "vitest";
import { newEntryNote, pickEntry } from "./directoryChoice";

const agencies = [
  { id: 1, name: "Department of Health" },
  { id: 2, name: "Department of Workforce Solutions" },
];

describe("choosing an agency by typing its name", () => {
  test("a name typed in another case or with spaces picks the directory entry", () => {
    expect(pickEntry(agencies, "  department of workforce solutions ", { id: null, name: "" })).toBe(2);
  });

  test("a name the directory lacks picks nothing and says it will be added", () => {
    expect(pickEntry(agencies, "Department of Corrections", { id: null, name: "" })).toBeNull();
    expect(newEntryNote(null, "Department of Corrections ", "agency")).toBe(
      "Not in the directory: saving adds “Department of Corrections” as a new agency.",
    );
  });

  test("a case's retired agency stays its own while the name is left alone", () => {
    const start = { id: 9, name: "Office of Old Things" };
    expect(pickEntry(agencies, "office of old things", start)).toBe(9);
    expect(pickEntry(agencies, "Office of New Things", start)).toBeNull();
  });

  test("a retired agency is named as retired, not offered as new", () => {
    const withRetired = [...agencies, { id: 7, name: "Office of Old Things", retired: true }];
    expect(pickEntry(withRetired, "office of old things", { id: null, name: "" })).toBeNull();
    expect(newEntryNote(null, "office of old things", "agency", withRetired)).toBe(
      "Office of Old Things is retired in the directory: restore it there, or choose another agency.",
    );
  });

  test("a chosen entry or an empty field needs no note", () => {
    expect(newEntryNote(2, "Department of Workforce Solutions", "agency")).toBeNull();
    expect(newEntryNote(null, "  ", "agency")).toBeNull();
  });
});
