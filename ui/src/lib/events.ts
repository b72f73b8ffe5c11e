// The events the backend sends when something changed (src-tauri/src/events.rs): screens refresh
// from them instead of polling.
import { listen } from "@tauri-apps/api/event";
import type { DeskChanged } from "./generated/DeskChanged";

export const DESK_CHANGED = "desk-changed";
export const OUTBOX_CHANGED = "outbox-changed";
export const INTEGRITY_CHECKED = "integrity-checked";
/** On a team desk, another window's person opened, typed in or left a report's section. */
export const AAR_PRESENCE = "aar-presence";
/** A team desk's server was lost (`false`) or answers again (`true`). */
export const DESK_REACHABLE = "desk-reachable";

/**
 * Calls `handler` on each `name` event until the returned function is called (use it as the
 * cleanup of onMount / $effect). Outside the app (unit tests) there is no event bus: nothing happens.
 */
export function onBackendEvent<P = unknown>(name: string, handler: (payload: P) => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  listen<P>(name, (event) => handler(event.payload))
    .then((unlisten) => {
      if (stopped) unlisten();
      else stop = unlisten;
    })
    .catch(() => {});
  return () => {
    stopped = true;
    stop?.();
  };
}

/**
 * Calls `refresh` once after a burst of changes that `concerns` the screen (one save can touch a
 * case, its team and an alert at once), `wait` ms after the last of them.
 */
export function debounced<T>(concerns: (change: T) => boolean, refresh: () => void, wait = 150): {
  push: (change: T) => void;
  stop: () => void;
} {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    push(change: T) {
      if (!concerns(change)) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, wait);
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

/**
 * Refreshes a screen after each change the backend reports that `concerns` it (debounced); returns
 * the cleanup. A change of no one case (`caseId: null`) may concern any case's screen.
 */
export function onDeskChanged(concerns: (change: DeskChanged) => boolean, refresh: () => void, wait = 150): () => void {
  const burst = debounced(concerns, refresh, wait);
  const stop = onBackendEvent<DeskChanged>(DESK_CHANGED, burst.push);
  return () => {
    stop();
    burst.stop();
  };
}

/** Whether a change may touch what a page about case `id` shows. */
export function touchesCase(change: DeskChanged, id: number): boolean {
  return change.caseId === null || change.caseId === id;
}
