import { describe, expect, it } from "vitest";
import { draftKey, keepDraft, loadDraft } from "./aarDrafts";

class MemoryStorage {
  data = new Map<string, string>();
  get length() { return this.data.size; }
  clear() { this.data.clear(); }
  getItem(k: string) { return this.data.get(k) ?? null; }
  key(i: number) { return [...this.data.keys()][i] ?? null; }
  removeItem(k: string) { this.data.delete(k); }
  setItem(k: string, v: string) { this.data.set(k, v); }
}

describe("AAR section drafts", () => {
  it("are kept per database, section and author, with the version they started from", () => {
    const s = new MemoryStorage() as unknown as Storage;
    const key = draftKey("/db", 7, "Dana@State.gov");
    expect(key).toBe(draftKey("/db", 7, "dana@state.gov"));
    expect(key).not.toBe(draftKey("/db", 7, "elena@state.gov"));
    keepDraft(s, key, { version: 3, body: "mine" }, "saved");
    expect(loadDraft(s, key)).toEqual({ version: 3, body: "mine" });
  });

  it("are dropped once they match the saved text, and unreadable ones are ignored", () => {
    const s = new MemoryStorage() as unknown as Storage;
    keepDraft(s, "k", { version: 1, body: "same" }, "same");
    expect(loadDraft(s, "k")).toBeNull();
    s.setItem("k", "{not json");
    expect(loadDraft(s, "k")).toBeNull();
  });
});
