// The dashboard's first page, asked for as the page starts, beside the session's calls, instead of
// after the window has drawn its frame: a reply that arrives while the web process is drawing
// waits for it, so asked from the mounted dashboard the rows came a frame (~55 ms here) later and
// the dashboard was drawn twice. Measured by tests/bench/first-screen.
//
// Invariants: the asked page is the one the dashboard asks first (no filter, sorted by priority,
// offset 0 in each list); it is used once, and only while fresh; otherwise it is dropped and the
// dashboard asks again, so a stale or failed answer is never shown.
import { listOpenAlerts } from "../../lib/api/alerts";
import { listCases, listWarrantiesEnding } from "../../lib/api/cases";
import type { AlertPage } from "../../lib/generated/AlertPage";
import type { CasePage } from "../../lib/generated/CasePage";
import type { CaseSort } from "../../lib/generated/CaseSort";
import type { Level } from "../../lib/generated/Level";
import type { Stage } from "../../lib/generated/Stage";

/** Rows per page: a screenful at 1366x768 without scrolling far. */
export const CASES_PER_PAGE = 25;
export const ALERTS_PER_PAGE = 10;
export const ENDING_PER_PAGE = 10;

/** How long an answer asked at start is taken as current (the first start's identity screen may
 *  come between; then the dashboard asks anew). */
const FRESH_MS = 2000;

export type FirstPage = [escalated: CasePage, elevated: CasePage, alerts: AlertPage, endingSoon: CasePage];

/** The dashboard's lists as filtered and sorted, each at its offset (the one place that reads them). */
export function readDashboardLists(
  filter: { text: string | null; stage: Stage | null; sort: CaseSort },
  offsets: { escalated: number; elevated: number; alerts: number; ending: number },
): Promise<FirstPage> {
  const group = (level: Level, offset: number) =>
    listCases(
      { text: filter.text, stage: filter.stage, includeClosed: filter.stage === "closed", level, sort: filter.sort },
      { offset, limit: CASES_PER_PAGE },
    );
  return Promise.all([
    group("escalated", offsets.escalated),
    group("elevated", offsets.elevated),
    listOpenAlerts({ offset: offsets.alerts, limit: ALERTS_PER_PAGE }),
    listWarrantiesEnding({ offset: offsets.ending, limit: ENDING_PER_PAGE }),
  ]);
}

/** The dashboard's first reads: each list's first page, unfiltered, by priority. */
const readFirstPage = () =>
  readDashboardLists({ text: null, stage: null, sort: "priority" }, { escalated: 0, elevated: 0, alerts: 0, ending: 0 });

let early: { asked: number; answer: Promise<FirstPage | null> } | null = null;

/** Asks for the first page now (main.ts, before the app mounts); settles when it is answered. */
export function askFirstPageEarly(): Promise<unknown> {
  // A failure here is not shown: the dashboard asks again and shows its own.
  early = { asked: performance.now(), answer: readFirstPage().catch(() => null) };
  return early.answer;
}

/** The page asked at start, once, if it is still fresh and came back; otherwise null. */
export async function takeEarlyFirstPage(): Promise<FirstPage | null> {
  const taken = early;
  early = null;
  if (!taken || performance.now() - taken.asked > FRESH_MS) return null;
  return taken.answer;
}
