// Turns a timeline event's stored old/new JSON into rows a person can read.
import type { TimelineEvent } from "./generated/TimelineEvent";

export type ValueChange = { field: string; old: string; new: string };

const FIELD_NAMES: Record<string, string> = {
  kind: "Kind",
  ticket: "Ticket",
  title: "Title",
  description: "Description",
  agency: "Customer agency",
  affectedService: "Affected service",
  impact: "Impact",
  urgency: "Urgency",
  priority: "Priority",
  reportedBy: "Reported by",
  escalationManager: "Escalation manager",
  level: "Level",
  reason: "Reason",
  stage: "Stage",
};

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function parse(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Field-by-field changes of an edit, level or stage event; empty for events without both sides. */
export function valueChanges(e: TimelineEvent): ValueChange[] {
  if (e.kind !== "fields_changed" && e.kind !== "level_changed" && e.kind !== "stage_changed") return [];
  const oldV = parse(e.oldValue);
  const newV = parse(e.newValue);
  const keys = [...new Set([...Object.keys(oldV), ...Object.keys(newV)])].filter((k) => k !== "action");
  return keys
    .filter((k) => show(oldV[k]) !== show(newV[k]))
    .map((k) => ({ field: FIELD_NAMES[k] ?? k, old: show(oldV[k]), new: show(newV[k]) }));
}
