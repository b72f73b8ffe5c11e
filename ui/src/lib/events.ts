// The events the backend sends when something changed (src-tauri/src/events.rs): screens refresh
// from them instead of polling.
import { listen } from "@tauri-apps/api/event";

export const OUTBOX_CHANGED = "outbox-changed";
export const INTEGRITY_CHECKED = "integrity-checked";

/**
 * Calls `handler` on each `name` event until the returned function is called (use it as the
 * cleanup of onMount / $effect). Outside the app (unit tests) there is no event bus: nothing happens.
 */
export function onBackendEvent(name: string, handler: () => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  listen(name, () => handler())
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
