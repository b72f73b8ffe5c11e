import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { debounced, touchesCase } from "./events";
import type { DeskChanged } from "./generated/DeskChanged";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const teamOf3: DeskChanged = { entity: "team", caseId: 3 };

test("a burst of changes refreshes a screen once, after the last of them", () => {
  let refreshed = 0;
  const burst = debounced<DeskChanged>(() => true, () => refreshed++, 150);
  burst.push(teamOf3);
  vi.advanceTimersByTime(100);
  burst.push({ entity: "case", caseId: 3 });
  vi.advanceTimersByTime(100);
  expect(refreshed, "still within the burst").toBe(0);
  vi.advanceTimersByTime(60);
  expect(refreshed).toBe(1);
});

test("a change that does not concern the screen does not refresh it", () => {
  let refreshed = 0;
  const burst = debounced<DeskChanged>((c) => touchesCase(c, 4), () => refreshed++, 150);
  burst.push(teamOf3);
  vi.advanceTimersByTime(500);
  expect(refreshed).toBe(0);
  burst.push({ entity: "directory", caseId: null });
  vi.advanceTimersByTime(500);
  expect(refreshed, "a directory change may rename someone on case 4's page").toBe(1);
});

test("a stopped screen is not refreshed by a change already on its way", () => {
  let refreshed = 0;
  const burst = debounced<DeskChanged>(() => true, () => refreshed++, 150);
  burst.push(teamOf3);
  burst.stop();
  vi.advanceTimersByTime(500);
  expect(refreshed).toBe(0);
});
