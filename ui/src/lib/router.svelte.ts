// A hash router: #/ (dashboard), #/new (intake), #/case/<id>. Hash URLs keep the app's pages
// addressable inside Tauri's custom protocol without any server-side routing.
export type Route =
  | { name: "dashboard" }
  | { name: "intake" }
  | { name: "case"; id: number }
  | { name: "aar"; id: number }
  | { name: "directory" }
  | { name: "staff" }
  | { name: "outbox" }
  | { name: "settings" }
  | { name: "alerts" };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  const m = /^\/case\/(\d+)$/.exec(path);
  if (m) return { name: "case", id: Number(m[1]) };
  const a = /^\/case\/(\d+)\/aar$/.exec(path);
  if (a) return { name: "aar", id: Number(a[1]) };
  if (path === "/new") return { name: "intake" };
  if (path === "/directory") return { name: "directory" };
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
      return `#/case/${route.id}`;
    case "aar":
      return `#/case/${route.id}/aar`;
    case "directory":
      return "#/directory";
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
