// The rule editor's vocabulary: which comparisons each case field allows (the same table the
// backend validates with, in alert.rs), and fresh conditions of each kind.
import type { CaseField } from "./generated/CaseField";
import type { Condition } from "./generated/Condition";
import type { Op } from "./generated/Op";
import type { Rule } from "./generated/Rule";

export type ConditionType = Condition["type"];

export const conditionTypeLabel: Record<ConditionType, string> = {
  field: "A case field",
  key_contact: "A key contact of the agency",
  escalated_longer_than: "Escalated longer than",
  all: "All of these",
  any: "Any of these",
};

export const fieldLabel: Record<CaseField, string> = {
  agency: "Agency",
  service: "Service",
  priority: "Priority",
  level: "Level",
  stage: "Stage",
  age_hours: "Age (hours)",
  text: "Title or description",
};

export const opLabel: Record<Op, string> = { is: "is", is_not: "is not", contains: "contains", at_least: "is at least" };

/** The comparisons that make sense for a field; the first is the default. */
export function opsFor(field: CaseField): Op[] {
  switch (field) {
    case "agency":
    case "service":
    case "text":
      return ["is", "is_not", "contains"];
    case "priority":
    case "stage":
      return ["is", "is_not", "at_least"];
    case "level":
      return ["is", "is_not"];
    case "age_hours":
      return ["at_least"];
  }
}

export function newCondition(type: ConditionType): Condition {
  switch (type) {
    case "field":
      return { type, field: "priority", op: "is", value: "P1" };
    case "key_contact":
      return { type, categories: [] };
    case "escalated_longer_than":
      return { type, hours: 8 };
    case "all":
    case "any":
      return { type, of: [{ type: "field", field: "agency", op: "is", value: "" }] };
  }
}

export function newRule(): Rule {
  return {
    name: "",
    condition: { type: "all", of: [{ type: "field", field: "agency", op: "is", value: "" }] },
    recipients: { roles: ["executive_management"], people: [] },
    enabled: true,
  };
}

/** The backend names a condition by its path ("1.2: enter a value"); split it for display next to that condition. */
export function conditionErrors(messages: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of messages) {
    const match = /^([\d.]+): (.*)$/.exec(m);
    if (match) out[match[1]] = match[2].charAt(0).toUpperCase() + match[2].slice(1) + ".";
  }
  return out;
}
