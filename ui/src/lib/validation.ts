// The intake and identity rules, repeated from core (case.rs, identity.rs) only so the form can
// answer as the user types. The backend stays the authority: its field errors are shown the same way.
import type { CaseFields } from "./generated/CaseFields";
import type { IdentityInput } from "./generated/IdentityInput";
import type { NewCase } from "./generated/NewCase";
import type { TeamDeskAddress } from "./generated/TeamDeskAddress";
import { LIMITS as GENERATED } from "./generated/Limits";

export type FieldErrors = Record<string, string>;

// The numbers come from core's limits.rs through the generated module, never copied by hand.
export const LIMITS = {
  ticket: GENERATED.ticketChars,
  title: GENERATED.titleChars,
  description: GENERATED.descriptionChars,
  name: GENERATED.nameChars,
  reason: GENERATED.reasonChars,
} as const;

/** The message core's limits::too_long gives, in the same words. */
export function tooLong(what: string, value: string, max: number): string | null {
  const len = [...value].length;
  if (len <= max) return null;
  const n = (x: number) => x.toLocaleString("en-US");
  return `Keep the ${what} to ${n(max)} characters (this one has ${n(len)}).`;
}

function required(errors: FieldErrors, field: string, value: string, what: string, max: number) {
  const len = [...value.trim()].length;
  if (len === 0) errors[field] = `Enter the ${what}.`;
  else {
    const long = tooLong(what, value.trim(), max);
    if (long) errors[field] = long;
  }
}

export function ticketProblem(ticket: string): string | null {
  const t = ticket.trim();
  if (t === "") return "Enter the ITSM ticket number.";
  if ([...t].length > LIMITS.ticket) return `A ticket number has at most ${LIMITS.ticket} characters.`;
  if (!/^[A-Za-z0-9-]+$/.test(t)) return "Use only letters, digits and dashes, as in INC0012345.";
  if (!/[0-9]/.test(t)) return "A ticket number contains digits, as in INC0012345.";
  return null;
}

export function validateCaseFields(f: CaseFields): FieldErrors {
  const errors: FieldErrors = {};
  const ticket = ticketProblem(f.ticket);
  if (ticket) errors.ticket = ticket;
  required(errors, "title", f.title, "title", LIMITS.title);
  const description = tooLong("description", f.description, LIMITS.description);
  if (description) errors.description = description;
  required(errors, "agency", f.agency, "customer agency", LIMITS.name);
  required(errors, "affectedService", f.affectedService, "affected service", LIMITS.name);
  required(errors, "reportedBy", f.reportedBy, "name of who reported it", LIMITS.name);
  required(errors, "escalationManager", f.escalationManager, "escalation manager", LIMITS.name);
  return errors;
}

export function validateNewCase(c: NewCase): FieldErrors {
  const errors = validateCaseFields(c.fields);
  required(errors, "levelReason", c.levelReason, "reason for this level", LIMITS.reason);
  return errors;
}

/** A quick check while typing. The rule is the mail library's (lettre, in the backend), which
 *  refuses beside the field what it cannot send to; this only catches what it certainly refuses
 *  and never refuses an address it accepts (a single-label domain such as `ops@localhost` is fine). */
export function emailProblem(email: string): string | null {
  const e = email.trim();
  if (e === "") return "Enter your email address.";
  const at = e.indexOf("@");
  const domain = e.slice(at + 1);
  if (
    at <= 0 ||
    domain === "" ||
    domain.includes("@") ||
    /\s/.test(e) ||
    domain.split(".").some((label) => label === "" || label.startsWith("-") || label.endsWith("-"))
  )
    return "An email address looks like name@agency.state.gov.";
  return null;
}

export function validateIdentity(i: IdentityInput): FieldErrors {
  const errors: FieldErrors = {};
  if (i.name.trim() === "") errors.name = "Enter your name.";
  else {
    const long = tooLong("name", i.name.trim(), LIMITS.name);
    if (long) errors.name = long;
  }
  const email = emailProblem(i.email);
  if (email) errors.email = email;
  if (i.role.trim() === "") errors.role = "Choose your role.";
  return errors;
}

/** A reason as a form checks it: the `reason` field's error, if any. */
export function reasonErrors(reason: string, what: string): FieldErrors {
  const errors: FieldErrors = {};
  required(errors, "reason", reason, what, LIMITS.reason);
  return errors;
}

export function validateReason(reason: string, what: string): string | null {
  return reasonErrors(reason, what).reason ?? null;
}

/** The team desk's address as core's desk.rs checks it (the server answers the rest). */
export function validateTeamDesk(a: TeamDeskAddress): FieldErrors {
  const errors: FieldErrors = {};
  const host = a.host.trim();
  if (host === "") errors.host = "Enter the server's name or address.";
  else if (/[\s/@?#,]/.test(host)) errors.host = "Enter only the server's name or address, e.g. db.doit.state.gov (no spaces, slashes or @).";
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) errors.port = "Enter a port from 1 to 65535 (PostgreSQL's is 5432).";
  for (const [field, what] of [["database", "the database"], ["user", "your user name on the server"]] as const) {
    const value = a[field].trim();
    const bytes = new TextEncoder().encode(value).length;
    if (value === "") errors[field] = `Enter ${what}.`;
    else if (bytes > 63) errors[field] = `PostgreSQL names are at most 63 bytes; this one is ${bytes}.`;
  }
  const ca = (a.caFile ?? "").trim();
  if (ca !== "" && !ca.startsWith("/")) errors.caFile = "Give the full path of the file, from /.";
  return errors;
}
