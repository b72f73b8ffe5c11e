// How a plan revision diff shows a changed value. The backend keeps stored values (a person's id,
// an RFC 3339 time, the resources as JSON) so the diff is exact; people read names and local times.
import { formatLocal } from "./format";

export type PersonName = { id: number; name: string };

export function shownChange(field: string, value: string, people: PersonName[], locale?: string): string {
  if (value === "—" || value === "") return "—";
  if (field === "due") return formatLocal(value, undefined, locale);
  if (field === "owner") return people.find((p) => String(p.id) === value)?.name ?? "someone no longer on the team";
  if (field === "resources") {
    try {
      const list = JSON.parse(value) as { what: string; fromWhom: string; decision: string }[];
      return list.length ? list.map((r) => `${r.what} (${r.fromWhom}, ${r.decision})`).join("; ") : "none";
    } catch {
      return value;
    }
  }
  return value;
}
