import { describe, expect, test } from "vitest";
import { createForm } from "./form.svelte";

const validation = {
  kind: "validation",
  message: "Check the fields.",
  field: "email",
  fields: [{ field: "email", message: "That address cannot receive mail." }],
  missing: [],
};
const conflict = { kind: "conflict", message: "Someone else saved first.", field: null, fields: [], missing: [] };

describe("a form", () => {
  test("saves when its own check finds nothing, and is not saving afterwards", async () => {
    const form = createForm();
    let saved = 0;
    expect(await form.submit(async () => void saved++, () => ({}))).toBe(true);
    expect(saved).toBe(1);
    expect(form.saving).toBe(false);
    expect(form.failed).toBe(false);
  });

  test("does not call the backend when its own check names a field", async () => {
    const form = createForm();
    let called = false;
    const ok = await form.submit(async () => void (called = true), () => ({ name: "Enter the name." }));
    expect(ok).toBe(false);
    expect(called, "nothing is sent while a field is wrong").toBe(false);
    expect(form.errors).toEqual({ name: "Enter the name." });
    expect(form.failure).toBeNull();
  });

  test("shows the backend's validation error beside the field it names, with no second message", async () => {
    const form = createForm();
    expect(await form.submit(() => Promise.reject(validation))).toBe(false);
    expect(form.errors).toEqual({ email: "That address cannot receive mail." });
    expect(form.failure, "the field says it; an alert repeating it would be noise").toBeNull();
    expect(form.error?.kind).toBe("validation");
  });

  test("shows a failure no field explains as one message, keeping its kind for the screen to branch on", async () => {
    const form = createForm();
    await form.submit(() => Promise.reject(conflict));
    expect(form.failure).toBe("Someone else saved first.");
    expect(form.error?.kind).toBe("conflict");
    expect(form.errors).toEqual({});
  });

  test("is saving while the backend works, and ignores a second submit meanwhile", async () => {
    const form = createForm();
    let finish: () => void = () => {};
    let calls = 0;
    const first = form.submit(() => {
      calls++;
      return new Promise<void>((r) => (finish = r));
    });
    expect(form.saving, "the submit button is disabled now").toBe(true);
    expect(await form.submit(async () => void calls++)).toBe(false);
    finish();
    expect(await first).toBe(true);
    expect(calls, "a double click saves once").toBe(1);
    expect(form.saving).toBe(false);
  });

  test("forgets the last attempt's errors when submitted again, and counts the failed attempts", async () => {
    const form = createForm();
    await form.submit(() => Promise.reject(conflict));
    await form.submit(async () => {}, () => ({ name: "Enter the name." }));
    expect(form.attempt, "one failure from the backend, one from the form's own check").toBe(2);
    await form.submit(async () => {});
    expect(form.failure).toBeNull();
    expect(form.error).toBeNull();
    expect(form.attempt, "a save that went through moves no focus to an error summary").toBe(2);
  });

  test("shows a failure from outside a submit, such as a retire that was refused", () => {
    const form = createForm();
    form.fail(new Error("The database is locked"));
    expect(form.failure).toBe("The database is locked");
    form.clear();
    expect(form.failed).toBe(false);
  });

  test("says what went wrong in one message where it has no place beside the fields", async () => {
    const form = createForm();
    expect(form.message, "nothing went wrong yet").toBeNull();
    await form.submit(() => Promise.reject(validation));
    expect(form.message, "the field's message is not lost").toBe("That address cannot receive mail.");
    await form.submit(() => Promise.reject(conflict));
    expect(form.message).toBe("Someone else saved first.");
    await form.submit(async () => {});
    expect(form.message).toBeNull();
  });
});
