// Choosing a directory entry (an agency, a service) by typing its name: the entry whose name
// matches ignoring case and surrounding spaces, or none (then saving adds it to the directory).

export type Entry = { id: number; name: string; retired?: boolean };

const same = (a: string, b: string) => a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();

/** The id the typed name stands for. `start` is what the case named when the form opened: a
 *  retired entry is not in `list` but stays the case's while its name is left as it was. */
export function pickEntry(list: Entry[], typed: string, start: { id: number | null; name: string }): number | null {
  const hit = list.find((e) => same(e.name, typed));
  if (hit && (!hit.retired || hit.id === start.id)) return hit.id;
  return start.id !== null && same(typed, start.name) ? start.id : null;
}

/** The hint beside the field when the name is new to the directory (or retired there), else null. */
export function newEntryNote(id: number | null | undefined, typed: string, what: string, list: Entry[] = []): string | null {
  if (id != null || typed.trim() === "") return null;
  const retired = list.find((e) => e.retired && same(e.name, typed));
  if (retired) return `${retired.name} is retired in the directory: restore it there, or choose another ${what}.`;
  return `Not in the directory: saving adds “${typed.trim()}” as a new ${what}.`;
}
