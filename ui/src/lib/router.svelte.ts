// A hash router: #/ (dashboard), #/new (intake), #/case/<id>. Hash URLs keep the app's pages
// addressable inside Tauri's custom protocol without any server-side routing. A case page and a
// report may name a place to open at (`?at=event-12`, `?at=plan-escalation`, `?at=<section key>`:
// what a search hit opens); the directory a search text (`?q=`).
export type Route =
  | { name: "dashboard" }
  | { name: "intake" }
  | { name: "case"; id: number; at?: string }
  | { name: "aar"; id: number; at?: string }
  | { name: "directory"; q?: string }
  | { name: "staff" }
  | { name: "outbox" }
  | { name: "settings" }
  | { name: "alerts" };

export function parseRoute(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#/, "").split("?", 2);
  const params = new URLSearchParams(query);
  const at = params.get("at") || undefined;
  const m = /^\/case\/(\d+)$/.exec(path);
  if (m) return at ? { name: "case", id: Number(m[1]), at } : { name: "case", id: Number(m[1]) };
  const a = /^\/case\/(\d+)\/aar$/.exec(path);
  if (a) return at ? { name: "aar", id: Number(a[1]), at } : { name: "aar", id: Number(a[1]) };
  if (path === "/new") return { name: "intake" };
  if (path === "/directory") {
    const q = params.get("q") || undefined;
    return q ? { name: "directory", q } : { name: "directory" };
  }
  if (path === "/staff") return { name: "staff" };
  if (path === "/outbox") return { name: "outbox" };
  if (path === "/settings") return { name: "settings" };
  if (path === "/alerts") return { name: "alerts" };
  return { name: "dashboard" };
}

export function href(route: Route): string {
  switch (route.name) {
    case "dashboard":
      return "#/";
    case "intake":
      return "#/new";
    case "case":
      return `#/case/${route.id}${route.at ? `?at=${encodeURIComponent(route.at)}` : ""}`;
    case "aar":
      return `#/case/${route.id}/aar${route.at ? `?at=${encodeURIComponent(route.at)}` : ""}`;
    case "directory":
      return `#/directory${route.q ? `?q=${encodeURIComponent(route.q)}` : ""}`;
    case "staff":
      return "#/staff";
    case "outbox":
      return "#/outbox";
    case "settings":
      return "#/settings";
    case "alerts":
      return "#/alerts";
  }
}

class Router {
  current = $state<Route>(parseRoute(typeof location === "undefined" ? "" : location.hash));
  constructor() {
    if (typeof window !== "undefined") {
      window.addEventListener("hashchange", () => (this.current = parseRoute(location.hash)));
    }
  }
  go(route: Route) {
    location.hash = href(route);
  }
}

export const router = new Router();
