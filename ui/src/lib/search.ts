// What a search hit opens and how its group is named: the page and the place on it.
import type { Route } from "./router.svelte";
import type { SearchHit } from "./generated/SearchHit";
import type { SearchKind } from "./generated/SearchKind";

export const KIND_LABEL: Record<SearchKind, string> = {
  case: "Cases",
  person: "People",
  plan: "Action plans",
  section: "Report sections",
  comment: "Report comments",
  event: "Timeline events",
};

/** The route a hit opens: the case page at the event or plan, the report at the section, the
 *  directory searching for the person. */
export function hitRoute(hit: SearchHit): Route {
  const caseId = hit.caseId ?? 0;
  switch (hit.kind) {
    case "case":
      return { name: "case", id: caseId };
    case "event":
      return { name: "case", id: caseId, at: `event-${hit.place}` };
    case "plan":
      return { name: "case", id: caseId, at: `plan-${hit.place}` };
    case "section":
    case "comment":
      return { name: "aar", id: caseId, at: hit.place };
    case "person":
      return { name: "directory", q: hit.title.map((p) => p.text).join("") };
  }
}

/** Scrolls to and focuses the element a route's `at` names (`data-place`), once it is drawn,
 *  and marks it for a moment so the eye finds it. */
export function revealPlace(at: string | undefined, root: ParentNode = document) {
  if (!at) return;
  const el = root.querySelector<HTMLElement>(`[data-place="${CSS.escape(at)}"]`);
  if (!el) return;
  if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
  el.scrollIntoView({ block: "center" });
  el.focus({ preventScroll: true });
  el.classList.add("revealed");
  setTimeout(() => el.classList.remove("revealed"), 2500);
}
