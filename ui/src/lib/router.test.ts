import { expect, test } from "vitest";
import { href, parseRoute } from "./router.svelte";

test("hash routes parse to screens and back", () => {
  expect(parseRoute("")).toEqual({ name: "dashboard" });
  expect(parseRoute("#/")).toEqual({ name: "dashboard" });
  expect(parseRoute("#/new")).toEqual({ name: "intake" });
  expect(parseRoute("#/case/42")).toEqual({ name: "case", id: 42 });
  expect(href({ name: "case", id: 42 })).toBe("#/case/42");
});

test("an unknown or malformed route falls back to the dashboard", () => {
  expect(parseRoute("#/case/abc")).toEqual({ name: "dashboard" });
  expect(parseRoute("#/nowhere")).toEqual({ name: "dashboard" });
});

test("the directory and staff-load screens have routes", () => {
  expect(parseRoute("#/directory")).toEqual({ name: "directory" });
  expect(parseRoute("#/staff")).toEqual({ name: "staff" });
  expect(href({ name: "staff" })).toBe("#/staff");
});

test("the outbox and mail settings have routes", () => {
  expect(parseRoute("#/outbox")).toEqual({ name: "outbox" });
  expect(parseRoute("#/settings")).toEqual({ name: "settings" });
});

test("a search hit's place survives the trip through the hash", () => {
  const routes = [
    { name: "case", id: 7, at: "event-345" },
    { name: "aar", id: 7, at: "root_cause" },
    { name: "directory", q: "Linh Nguyễn & co?" },
  ] as const;
  for (const r of routes) expect(parseRoute(href(r))).toEqual(r);
  expect(parseRoute("#/case/7?at=")).toEqual({ name: "case", id: 7 });
  expect(parseRoute("#/case/7?x=1")).toEqual({ name: "case", id: 7 });
});
