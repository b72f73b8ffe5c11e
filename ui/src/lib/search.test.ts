import { expect, test } from "vitest";
import { hitRoute } from "./search";
import { href } from "./router.svelte";
import type { SearchHit } from "./generated/SearchHit";

const hit = (kind: SearchHit["kind"], place: string, title = "T"): SearchHit => ({
  kind, caseId: kind === "person" ? null : 7, ticket: kind === "person" ? null : "INC7", place,
  title: [{ text: title, hit: false }], snippet: [],
});

test("each kind of hit opens its page at its place", () => {
  expect(href(hitRoute(hit("case", "INC7")))).toBe("#/case/7");
  expect(href(hitRoute(hit("event", "345")))).toBe("#/case/7?at=event-345");
  expect(href(hitRoute(hit("plan", "technical")))).toBe("#/case/7?at=plan-technical");
  expect(href(hitRoute(hit("section", "root_cause")))).toBe("#/case/7/aar?at=root_cause");
  expect(href(hitRoute(hit("comment", "root_cause")))).toBe("#/case/7/aar?at=root_cause");
  expect(hitRoute(hit("person", "3", "Linh Nguyễn"))).toEqual({ name: "directory", q: "Linh Nguyễn" });
});
