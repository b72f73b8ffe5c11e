import { describe, expect, it } from "vitest";
import { conditionErrors, newCondition, opsFor } from "./alertRules";

describe("the rule editor's vocabulary", () => {
  it("offers 'contains' for text fields only and 'at least' for priority, stage and age", () => {
    expect(opsFor("text")).toContain("contains");
    expect(opsFor("priority")).not.toContain("contains");
    expect(opsFor("priority")).toContain("at_least");
    expect(opsFor("level")).toEqual(["is", "is_not"]);
    expect(opsFor("age_hours")).toEqual(["at_least"]);
  });

  it("places the backend's condition errors by their path", () => {
    expect(conditionErrors(["1.2: enter a value to compare with", "1: an \"all\"/\"any\" group needs at least one condition", "no path"])).toEqual({
      "1.2": "Enter a value to compare with.",
      "1": "An \"all\"/\"any\" group needs at least one condition.",
    });
  });

  it("starts a group with one condition so it is never empty", () => {
    const g = newCondition("any");
    expect(g.type === "any" && g.of.length).toBe(1);
  });
});
