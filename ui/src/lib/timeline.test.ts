import { expect, test } from "vitest";
import type { TimelineEvent } from "./generated/TimelineEvent";
import { valueChanges } from "./timeline";

function event(kind: TimelineEvent["kind"], oldValue: string | null, newValue: string | null): TimelineEvent {
  return { id: 1, caseId: 1, seq: 2, at: "2026-11-27T10:00:00.000Z", actor: "Dana <dana@x.gov>", kind, summary: "", oldValue, newValue, prevHash: "", hash: "" };
}

test("a field edit reads as one row per changed field with readable names", () => {
  const rows = valueChanges(event("fields_changed", '{"title":"a","urgency":"high"}', '{"title":"b","urgency":"low"}'));
  expect(rows).toEqual([
    { field: "Title", old: "a", new: "b" },
    { field: "Urgency", old: "high", new: "low" },
  ]);
});

test("a stage move shows the stage and reason but not the internal action name", () => {
  const rows = valueChanges(event("stage_changed", '{"stage":"warranty"}', '{"stage":"resolving","action":"recur","reason":"came back"}'));
  expect(rows).toEqual([
    { field: "Stage", old: "warranty", new: "resolving" },
    { field: "Reason", old: "—", new: "came back" },
  ]);
});

test("an opening event or unreadable values give no rows instead of failing", () => {
  expect(valueChanges(event("case_opened", null, '{"fields":{}}'))).toEqual([]);
  expect(valueChanges(event("fields_changed", "not json", "{"))).toEqual([]);
});
