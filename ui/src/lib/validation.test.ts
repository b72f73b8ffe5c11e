import { describe, expect, test } from "vitest";
import type { NewCase } from "./generated/NewCase";
import { emailProblem, LIMITS, reasonErrors, tooLong, ticketProblem, validateIdentity, validateNewCase, validateReason, validateTeamDesk } from "./validation";
import { LIMITS as GENERATED } from "./generated/Limits";

function complete(): NewCase {
  return {
    fields: {
      kind: "incident",
      ticket: "INC0012345",
      title: "Claims portal unavailable",
      description: "",
      agency: "Department of Workforce Solutions",
      affectedService: "UI Claims Portal",
      agencyId: null,
      serviceId: null,
      impact: "high",
      urgency: "high",
      reportedBy: "Maria Lopez",
      escalationManager: "Dana Whitfield",
    },
    level: "escalated",
    levelReason: "Statewide outage",
  };
}

describe("intake validation", () => {
  test("a complete intake has no errors", () => {
    expect(validateNewCase(complete())).toEqual({});
  });

  test("every blank required field gets its own message, keyed by the field it belongs beside", () => {
    const c = complete();
    c.fields = { ...c.fields, ticket: " ", title: "", agency: "", affectedService: "", reportedBy: "", escalationManager: "" };
    c.levelReason = "  ";
    expect(Object.keys(validateNewCase(c))).toEqual([
      "ticket", "title", "agency", "affectedService", "reportedBy", "escalationManager", "levelReason",
    ]);
    expect(validateNewCase(c).levelReason).toBe("Enter the reason for this level.");
  });

  test("the description is optional but bounded", () => {
    const c = complete();
    c.fields.description = "x".repeat(LIMITS.description + 1);
    expect(validateNewCase(c).description).toBe("Keep the description to 20,000 characters (this one has 20,001).");
  });

  test("an over-long title says its length and the limit", () => {
    const c = complete();
    c.fields.title = "t".repeat(205);
    expect(validateNewCase(c).title).toBe("Keep the title to 200 characters (this one has 205).");
  });
});

describe("ticket numbers", () => {
  test.each(["INC0012345", "RITM0004711", "SR-2031", "inc1"])("%s is accepted", (t) => {
    expect(ticketProblem(t)).toBeNull();
  });
  test("spaces and punctuation are refused with an example", () => {
    expect(ticketProblem("INC 0012")).toMatch(/letters, digits and dashes/);
    expect(ticketProblem("INC_0012")).toMatch(/letters, digits and dashes/);
  });
  test("a ticket without digits is refused", () => {
    expect(ticketProblem("INCIDENT")).toMatch(/contains digits/);
  });
  test("a ticket longer than the limit is refused", () => {
    expect(ticketProblem("1".repeat(33))).toMatch(/at most 32/);
  });
});

describe("identity", () => {
  test.each(["", "dana", "dana@", "@doit.gov", "da na@doit.gov", "a@b@c.gov", "dana@doit.", "dana@-doit.gov"])("%j is not an email", (e) => {
    expect(emailProblem(e)).not.toBeNull();
  });
  test("a plain agency address is an email", () => {
    expect(emailProblem("dana.whitfield@doit.state.gov")).toBeNull();
  });
  test("a single-label domain is left to the mail library's rule in the backend, not refused here", () => {
    expect(emailProblem("ops@localhost")).toBeNull();
  });
  test("a blank identity names each field", () => {
    expect(Object.keys(validateIdentity({ name: "", email: "", role: "" }))).toEqual(["name", "email", "role"]);
  });
});

test("a reason is required and says what it is for", () => {
  expect(validateReason(" ", "reason for reopening")).toBe("Enter the reason for reopening.");
  expect(validateReason("Customer saw the fault again", "reason for reopening")).toBeNull();
  expect(reasonErrors(" ", "reason for raising the case"), "a form's check names the reason field").toEqual({
    reason: "Enter the reason for raising the case.",
  });
  expect(reasonErrors("Vendor silent for 2 hours", "reason for raising the case")).toEqual({});
});

describe("limits mirrored from core", () => {
  test("an over-long text gets the same message core gives, counting characters not UTF-16 units", () => {
    const section = "\u{1F600}".repeat(GENERATED.aarSectionChars + 512);
    expect(tooLong("section", section, GENERATED.aarSectionChars)).toBe(
      "Keep the section to 100,000 characters (this one has 100,512).",
    );
    expect(tooLong("section", "x".repeat(GENERATED.aarSectionChars), GENERATED.aarSectionChars)).toBeNull();
  });
});

describe("a team desk's address", () => {
  const good = { host: "db.doit.state.gov", port: 5432, database: "escalation", user: "dana", caFile: null };
  test("a full address passes, and a blank CA file means none", () => {
    expect(validateTeamDesk(good)).toEqual({});
    expect(validateTeamDesk({ ...good, caFile: "  " })).toEqual({});
  });
  test("each bad field is named in the words core uses", () => {
    const errors = validateTeamDesk({ host: "postgres://db", port: 0, database: " ", user: "é".repeat(32), caFile: "ca.pem" });
    expect(Object.keys(errors).sort()).toEqual(["caFile", "database", "host", "port", "user"]);
    expect(errors.user).toBe("PostgreSQL names are at most 63 bytes; this one is 64.");
    expect(errors.port).toMatch(/1 to 65535/);
  });
});
