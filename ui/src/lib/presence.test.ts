import { describe, expect, test } from "vitest";
import { PresenceBoard, STALE_MS, TYPING_MS, presenceText } from "./presence";

const p = (window: string, person: string, sectionId: number | null, typing = false, aarId = 1) => ({ aarId, sectionId, typing, person, window });

describe("who else is in a report", () => {
  test("lists the people with a section open, and who of them is typing, for a few seconds only", () => {
    const board = new PresenceBoard(1);
    board.hear(p("w1", "Elena Vargas", 3), 0);
    board.hear(p("w2", "Tom Reyes", 3, true), 0);
    board.hear(p("w3", "Ann Lee", 4), 0);
    expect(board.inSection(3, 1000)).toEqual([
      { person: "Elena Vargas", typing: false },
      { person: "Tom Reyes", typing: true },
    ]);
    expect(board.inSection(3, TYPING_MS + 1)).toContainEqual({ person: "Tom Reyes", typing: false });
    expect(board.inSection(3, STALE_MS + 1)).toEqual([]);
  });

  test("follows a window to another section or out of the report, and ignores other reports", () => {
    const board = new PresenceBoard(1);
    board.hear(p("w1", "Elena Vargas", 3, true), 0);
    board.hear(p("w1", "Elena Vargas", 5), 100);
    expect(board.inSection(3, 200)).toEqual([]);
    expect(board.inSection(5, 200)).toEqual([{ person: "Elena Vargas", typing: false }]);
    board.hear(p("w1", "Elena Vargas", null), 300);
    expect(board.inSection(5, 400)).toEqual([]);
    expect(board.hear(p("w9", "Ann Lee", 5, false, 2), 500)).toBe(false);
    expect(board.inSection(5, 600)).toEqual([]);
  });

  test("a heartbeat keeps a typing person typing until their typing notices stop", () => {
    const board = new PresenceBoard(1);
    board.hear(p("w1", "Elena Vargas", 3, true), 0);
    board.hear(p("w1", "Elena Vargas", 3), 1000);
    expect(board.inSection(3, 2000)).toEqual([{ person: "Elena Vargas", typing: true }]);
  });

  test("says it in words", () => {
    expect(presenceText([])).toBe("");
    expect(presenceText([{ person: "Elena Vargas", typing: true }])).toBe("Elena Vargas is typing in this section");
    expect(presenceText([{ person: "Ann Lee", typing: false }, { person: "Tom Reyes", typing: false }])).toBe("Ann Lee and Tom Reyes have this section open");
    expect(presenceText([{ person: "Elena Vargas", typing: true }, { person: "Ann Lee", typing: false }])).toBe(
      "Elena Vargas is typing in this section; Ann Lee has this section open too",
    );
  });
});
