// Words and formats for what the backend stores as codes. Times are UTC in the store and local here.
import type { TeamDeskAddress } from "./generated/TeamDeskAddress";
import type { CaseKind } from "./generated/CaseKind";
import type { Level } from "./generated/Level";
import type { Priority } from "./generated/Priority";
import type { Rating } from "./generated/Rating";
import type { Stage } from "./generated/Stage";
import type { StageAction } from "./generated/StageAction";
import type { OrgKind } from "./generated/OrgKind";
import type { OrgRole } from "./generated/OrgRole";
import type { TeamRole } from "./generated/TeamRole";
import type { OutboxStatus } from "./generated/OutboxStatus";

/** Tone names map to the badge classes in base.css. */
export type Tone = "critical" | "serious" | "moderate" | "calm" | "good";

export const STAGES: Stage[] = ["intake", "team", "appraisal", "resolving", "warranty", "verification", "review", "closed"];

export const stageLabel: Record<Stage, string> = {
  intake: "Intake",
  team: "Team",
  appraisal: "Appraisal",
  resolving: "Resolving",
  warranty: "Warranty",
  verification: "Verification",
  review: "Review",
  closed: "Closed",
};

export const priorityLabel: Record<Priority, string> = {
  P1: "P1 Critical",
  P2: "P2 High",
  P3: "P3 Moderate",
  P4: "P4 Low",
};

export const priorityTone: Record<Priority, Tone> = { P1: "critical", P2: "serious", P3: "moderate", P4: "calm" };

export const levelLabel: Record<Level, string> = { escalated: "Escalated", elevated: "Elevated" };
export const levelTone: Record<Level, Tone> = { escalated: "critical", elevated: "serious" };

export const kindLabel: Record<CaseKind, string> = { incident: "Incident", service_request: "Service request" };
export const ratingLabel: Record<Rating, string> = { high: "High", medium: "Medium", low: "Low" };

/** The same matrix as core's Priority::from_matrix, to show the priority while the form is filled in. */
export function priorityFrom(impact: Rating, urgency: Rating): Priority {
  const w: Record<Rating, number> = { high: 1, medium: 2, low: 3 };
  const score = w[impact] + w[urgency];
  return score === 2 ? "P1" : score === 3 ? "P2" : score === 4 ? "P3" : "P4";
}

export function actionLabel(action: StageAction, to: Stage): string {
  switch (action) {
    case "advance":
      return `Move to ${stageLabel[to]}`;
    case "recur":
      return "Record recurrence";
    case "reopen":
      return "Reopen case";
    case "close":
      return "Close case";
  }
}

/** Age as a manager reads it on the dashboard: "45m", "3h 20m", "2d 4h". */
export function formatAge(openedAt: string, now: Date = new Date()): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(openedAt).getTime()) / 60000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return `${days}d ${hours % 24}h`;
}

/**
 * A stored UTC time in the workstation's local time and in its locale's order, the same order its
 * date inputs use (en-GB "27 Nov 2026, 14:05", en-US "Nov 27, 2026, 2:05 PM"). `locale` is for tests.
 */
export function formatLocal(utc: string, timeZone?: string, locale?: string): string {
  return localFormat(locale, timeZone).format(new Date(utc));
}

/**
 * One formatter per locale and zone, made once: each `Intl.DateTimeFormat` builds an ICU formatter
 * (about a millisecond and a few hundred KB in WebKit), and a page formats a time on every row.
 */
const localFormats = new Map<string, Intl.DateTimeFormat>();
function localFormat(locale?: string, timeZone?: string): Intl.DateTimeFormat {
  const key = `${locale ?? ""}|${timeZone ?? ""}`;
  let format = localFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZone,
    });
    localFormats.set(key, format);
  }
  return format;
}


export const TEAM_ROLES: TeamRole[] = ["incident_owner", "abrm", "problem_owner", "vendor", "subject_matter_expert", "customer_account_rep"];

export const teamRoleLabel: Record<TeamRole, string> = {
  incident_owner: "Incident owner",
  abrm: "ABRM",
  problem_owner: "Problem owner",
  vendor: "Third-party vendor",
  subject_matter_expert: "Subject-matter expert",
  customer_account_rep: "Customer account rep.",
};

export const ORG_ROLES: OrgRole[] = [
  "executive_management", "business_segment_director", "service_manager", "service_desk_supervisor", "service_owner",
  "abrm", "customer_account_rep", "department_manager", "incident_manager", "escalation_manager",
];

export const orgRoleLabel: Record<OrgRole, string> = {
  executive_management: "Executive management",
  business_segment_director: "Business segment director",
  service_manager: "Service manager",
  service_desk_supervisor: "Service desk supervisor",
  service_owner: "Service owner",
  abrm: "ABRM",
  customer_account_rep: "Customer account representative",
  department_manager: "Department manager",
  incident_manager: "Incident manager",
  escalation_manager: "Escalation manager",
};

export const orgKindLabel: Record<OrgKind, string> = { division: "Our division", agency: "Agency", vendor: "Vendor" };

/** A `datetime-local` input's value (local time) for a moment. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value back to the UTC ISO text the backend stores; null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}


export const outboxStatusLabel: Record<OutboxStatus, string> = {
  queued: "Queued",
  sending: "Sending",
  sent: "Sent",
  failed: "Failed",
  cancelled: "Cancelled",
  held: "Held: bad address",
  delivery_unknown: "Delivery unknown",
};
export const outboxStatusTone: Record<OutboxStatus, Tone> = {
  queued: "moderate",
  sending: "moderate",
  sent: "good",
  failed: "critical",
  cancelled: "calm",
  held: "critical",
  delivery_unknown: "serious",
};

/** "1 warranty", "2 warranties": a count with its noun in the right number. */
export function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Which desk is open, for the header: a team desk by its server and database (never its login),
 *  or this workstation's file by its name. `title` is the whole address, for a tooltip. */
/** The team desk open (from its redacted URL), as the connect form's address with no user: the
 *  start of "Sign in as someone else". `null` for a workstation's own file. */
export function teamDeskOf(databasePath: string): TeamDeskAddress | null {
  const m = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:?]+)(?::(\d+))?\/([^?]+)/.exec(databasePath);
  if (!m) return null;
  return {
    host: m[1].replace(/^\[|\]$/g, ""),
    port: m[2] ? Number(m[2]) : 5432,
    database: decodeURIComponent(m[3]),
    user: "",
    caFile: null,
  };
}

export function deskLabel(databasePath: string): { text: string; title: string } {
  const team = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?([^/?]+)\/([^?]+)/.exec(databasePath);
  if (team) return { text: `Team desk ${team[1]}/${team[2]}`, title: databasePath.replace(/\/\/[^@/]*@/, "//") };
  const file = databasePath.split(/[\\/]/).pop() || databasePath;
  return { text: `This workstation: ${file}`, title: databasePath };
}

/** A duration as the briefings print it (`aar::format_minutes`): "45 min", "3 h 05 min", "2 d 4 h". */
export function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d === 0 && h === 0) return `${m} min`;
  if (d === 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  return `${d} d ${h} h`;
}

/** The last `days` days up to today, as a figures period (dates in the user's calendar). */
export function lastDays(days: number, today: Date = new Date()): { from: string; to: string } {
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const from = new Date(today);
  from.setDate(from.getDate() - (days - 1));
  return { from: iso(from), to: iso(today) };
}
