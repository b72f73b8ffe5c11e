// Unsaved section text, kept in local storage per database, section and author, so nothing typed
// is lost when the app closes or the author switches; it remembers the version it was based on,
// so saving it later still detects another author's save in between.
export type SectionDraft = { version: number; body: string };

export function draftKey(databasePath: string, sectionId: number, email: string): string {
  return `escalation-desk.aar-draft:${databasePath}:${sectionId}:${email.toLowerCase()}`;
}

export function loadDraft(store: Storage, key: string): SectionDraft | null {
  try {
    const raw = store.getItem(key);
    if (!raw) return null;
    const d = JSON.parse(raw);
    return typeof d?.version === "number" && typeof d?.body === "string" ? d : null;
  } catch {
    return null;
  }
}

/** Keeps the draft only while it differs from what is saved. */
export function keepDraft(store: Storage, key: string, draft: SectionDraft, saved: string): void {
  if (draft.body === saved) store.removeItem(key);
  else store.setItem(key, JSON.stringify(draft));
}
