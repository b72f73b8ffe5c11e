// The one place that calls Tauri's invoke. Every failure becomes an AppError carrying the
// backend's {kind, message, field, fields, missing}; screens branch on `kind`, never on text.
import { invoke } from "@tauri-apps/api/core";
import type { ErrorKind } from "./generated/ErrorKind";
import type { ErrorPayload } from "./generated/ErrorPayload";

export class AppError extends Error {
  readonly payload: ErrorPayload;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.payload = payload;
  }
  get kind(): ErrorKind {
    return this.payload.kind;
  }
  /** Field name -> message, for showing beside each field. */
  fieldMessages(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.payload.fields) out[f.field] ??= f.message;
    return out;
  }
}

function isPayload(e: unknown): e is ErrorPayload {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (isPayload(e)) {
    return new AppError({ ...e, field: e.field ?? null, fields: e.fields ?? [], missing: e.missing ?? [] });
  }
  // Tauri itself (not our command) failed: a missing permission, a bad argument, a lost connection.
  const message = e instanceof Error ? e.message : String(e);
  return new AppError({ kind: "internal", message, field: null, fields: [], missing: [] });
}

export async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** A failed save as a form shows it: messages beside fields, or one message when no field is named. */
export function formFailure(e: unknown): { fields: Record<string, string>; message: string | null } {
  const err = toAppError(e);
  const fields = err.fieldMessages();
  return { fields, message: Object.keys(fields).length > 0 ? null : err.message };
}
