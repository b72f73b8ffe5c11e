import { expect, test } from "vitest";
import { AppError, formFailure, toAppError } from "./ipc";

test("a backend error keeps its kind and maps field messages for the form", () => {
  const e = toAppError({
    kind: "validation",
    message: "2 fields need attention",
    field: "ticket",
    fields: [
      { field: "ticket", message: "Enter the ITSM ticket number." },
      { field: "title", message: "Enter the title." },
    ],
    missing: [],
  });
  expect(e).toBeInstanceOf(AppError);
  expect(e.kind).toBe("validation");
  expect(e.fieldMessages()).toEqual({ ticket: "Enter the ITSM ticket number.", title: "Enter the title." });
});

test("a failure from Tauri itself (a plain string) becomes an internal error with its text", () => {
  const e = toAppError("verify_timeline not allowed");
  expect(e.kind).toBe("internal");
  expect(e.message).toBe("verify_timeline not allowed");
  expect(e.fieldMessages()).toEqual({});
});

test("a payload without the optional lists still works", () => {
  const e = toAppError({ kind: "conflict", message: "changed by someone else" });
  expect(e.kind).toBe("conflict");
  expect(e.payload.missing).toEqual([]);
});

test("a failed save splits into field messages, or one message when no field is named", () => {
  expect(formFailure({ kind: "duplicate", message: "taken", field: "email", fields: [{ field: "email", message: "taken" }], missing: [] }))
    .toEqual({ fields: { email: "taken" }, message: null });
  expect(formFailure({ kind: "conflict", message: "changed by someone else", field: null, fields: [], missing: [] }))
    .toEqual({ fields: {}, message: "changed by someone else" });
});
