// Who else is in a report on a team desk, from the other windows' presence notices (the
// aar-presence event): which section each has open and whether they are typing. Nothing is
// stored anywhere; a window that has not been heard from for STALE_MS is gone (closed, asleep or
// cut off), and "typing" lasts TYPING_MS after its last notice.
import type { Presence } from "./generated/Presence";

/** A window announces its open section at least this often, so the others keep it. */
export const HEARTBEAT_MS = 4000;
export const STALE_MS = 10000;
export const TYPING_MS = 4000;
/** At most one "typing" notice per window this often, however fast the person types. */
export const TYPING_EVERY_MS = 2000;

interface Seen {
  person: string;
  sectionId: number | null;
  heardAt: number;
  typingAt: number | null;
}

export interface Here {
  person: string;
  typing: boolean;
}

export class PresenceBoard {
  private windows = new Map<string, Seen>();
  constructor(private readonly aarId: number) {}

  /** Takes in a notice (of this report only); returns whether anything shown may have changed. */
  hear(p: Presence, now: number): boolean {
    if (p.aarId !== this.aarId) return false;
    const before = this.windows.get(p.window);
    this.windows.set(p.window, {
      person: p.person,
      sectionId: p.sectionId,
      heardAt: now,
      typingAt: p.typing ? now : before && before.sectionId === p.sectionId ? before.typingAt : null,
    });
    return true;
  }

  /** Who else has `sectionId` open now, one line per person (their liveliest window). */
  inSection(sectionId: number, now: number): Here[] {
    const people = new Map<string, boolean>();
    for (const w of this.windows.values()) {
      if (w.sectionId !== sectionId || now - w.heardAt > STALE_MS) continue;
      const typing = w.typingAt !== null && now - w.typingAt <= TYPING_MS;
      people.set(w.person, (people.get(w.person) ?? false) || typing);
    }
    return [...people].map(([person, typing]) => ({ person, typing })).sort((a, b) => a.person.localeCompare(b.person));
  }
}

/** "Elena Vargas is typing in this section" / "Elena Vargas and Tom Reyes have this section open". */
export function presenceText(here: Here[]): string {
  if (here.length === 0) return "";
  const typing = here.filter((h) => h.typing).map((h) => h.person);
  const open = here.filter((h) => !h.typing).map((h) => h.person);
  const names = (xs: string[]) => (xs.length <= 2 ? xs.join(" and ") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);
  const parts: string[] = [];
  if (typing.length) parts.push(`${names(typing)} ${typing.length === 1 ? "is" : "are"} typing in this section`);
  if (open.length) parts.push(`${names(open)} ${open.length === 1 ? "has" : "have"} this section open${typing.length ? " too" : ""}`);
  return parts.join("; ");
}
