import { describe, expect, test } from "vitest";
import { ORG_ROLES, TEAM_ROLES, actionLabel, count, deskLabel, teamDeskOf, outboxStatusLabel, outboxStatusTone, formatAge, formatLocal, fromLocalInput, orgRoleLabel, priorityFrom, teamRoleLabel, toLocalInput } from "./format";

describe("age on the dashboard", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  test.each([
    ["2026-11-27T11:59:30Z", "0m"],
    ["2026-11-27T11:15:00Z", "45m"],
    ["2026-11-27T08:40:00Z", "3h 20m"],
    ["2026-11-25T08:00:00Z", "2d 4h"],
  ])("opened %s is %s old", (opened, age) => {
    expect(formatAge(opened, now)).toBe(age);
  });
  test("a time in the future (clock skew) shows as 0m, never negative", () => {
    expect(formatAge("2026-11-27T12:05:00Z", now)).toBe("0m");
  });
});

test("stored UTC times are shown in the workstation's zone", () => {
  expect(formatLocal("2026-11-27T19:05:00.000Z", "America/Denver", "en-GB")).toBe("27 Nov 2026, 12:05");
  expect(formatLocal("2026-07-01T19:05:00.000Z", "America/Denver", "en-GB")).toBe("1 Jul 2026, 13:05");
});

test("the priority shown while typing follows the same matrix as the backend", () => {
  expect(priorityFrom("high", "high")).toBe("P1");
  expect(priorityFrom("high", "medium")).toBe("P2");
  expect(priorityFrom("medium", "high")).toBe("P2");
  expect(priorityFrom("medium", "medium")).toBe("P3");
  expect(priorityFrom("low", "high")).toBe("P3");
  expect(priorityFrom("medium", "low")).toBe("P4");
  expect(priorityFrom("low", "low")).toBe("P4");
});

test("stage actions are labelled by where they lead", () => {
  expect(actionLabel("advance", "team")).toBe("Move to Team");
  expect(actionLabel("recur", "resolving")).toBe("Record recurrence");
  expect(actionLabel("reopen", "resolving")).toBe("Reopen case");
});

test("a datetime-local value round-trips to UTC and back in the workstation's zone", () => {
  const d = new Date(2026, 10, 27, 9, 5); // local time
  const local = toLocalInput(d);
  expect(local).toBe("2026-11-27T09:05");
  expect(fromLocalInput(local)).toBe(d.toISOString());
  expect(fromLocalInput("")).toBeNull();
  expect(fromLocalInput("not a date")).toBeNull();
});

test("every team role and organizational role has a label", () => {
  for (const r of TEAM_ROLES) expect(teamRoleLabel[r]).toBeTruthy();
  for (const r of ORG_ROLES) expect(orgRoleLabel[r]).toBeTruthy();
});

test("every outbox status has a label and a tone, failed ones critical", () => {
  for (const s of ["queued", "sending", "sent", "failed", "cancelled"] as const) expect(outboxStatusLabel[s]).toBeTruthy();
  expect(outboxStatusTone.failed).toBe("critical");
  expect(outboxStatusTone.sent).toBe("good");
});

test("dates follow the workstation's locale, in the same order as its date inputs", () => {
  expect(formatLocal("2026-11-27T19:05:00.000Z", "America/Denver", "en-US")).toBe("Nov 27, 2026, 12:05 PM");
  expect(formatLocal("2026-11-27T19:05:00.000Z", "America/Denver", "en-GB")).toBe("27 Nov 2026, 12:05");
});

describe("counts in words", () => {
  test("one thing is singular and every other number plural", () => {
    expect(count(1, "recurrence", "recurrences")).toBe("1 recurrence");
    expect(count(0, "recurrence", "recurrences")).toBe("0 recurrences");
    expect(count(2, "warranty", "warranties")).toBe("2 warranties");
    expect(count(12000, "case", "cases")).toBe("12,000 cases");
  });
});

describe("the open desk in the header", () => {
  test("a team desk is named by server and database, without the login", () => {
    expect(deskLabel("postgres://dana:***@db.state.gov:5432/escalation")).toEqual({
      text: "Team desk db.state.gov:5432/escalation",
      title: "postgres://db.state.gov:5432/escalation",
    });
    expect(deskLabel("postgresql://db.state.gov/desk?sslmode=require").text).toBe("Team desk db.state.gov/desk");
  });
  test("a workstation's desk is named by its file", () => {
    expect(deskLabel("/home/dana/.local/share/escalation-desk/escalation-desk.sqlite3")).toEqual({
      text: "This workstation: escalation-desk.sqlite3",
      title: "/home/dana/.local/share/escalation-desk/escalation-desk.sqlite3",
    });
  });
});

describe("teamDeskOf", () => {
  test("reads the open team desk's address without its user, for signing in as someone else", () => {
    expect(teamDeskOf("postgres://dana:***@db.state.gov:6432/escalation")).toEqual({
      host: "db.state.gov",
      port: 6432,
      database: "escalation",
      user: "",
      caFile: null,
    });
    expect(teamDeskOf("postgresql://[::1]/team%20desk?sslmode=require")).toMatchObject({ host: "::1", port: 5432, database: "team desk" });
    expect(teamDeskOf("/home/dana/.local/share/escalation-desk/escalation-desk.sqlite3")).toBeNull();
  });
});

test("durations print as the briefings print them", async () => {
  const { formatMinutes } = await import("./format");
  expect(formatMinutes(45)).toBe("45 min");
  expect(formatMinutes(185)).toBe("3 h 05 min");
  expect(formatMinutes(2 * 1440 + 250)).toBe("2 d 4 h");
});

test("the last thirty days end today and start twenty-nine days before", async () => {
  const { lastDays } = await import("./format");
  expect(lastDays(30, new Date(2026, 11, 6))).toEqual({ from: "2026-11-07", to: "2026-12-06" });
  expect(lastDays(1, new Date(2026, 0, 1))).toEqual({ from: "2026-01-01", to: "2026-01-01" });
});
