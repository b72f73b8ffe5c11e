// One way for every form to show what went wrong and whether it is saving: field errors beside
// their fields (from the form's own check, or the backend's validation error naming fields), one
// failure message for the rest (shown in a role=alert area), and a saving flag that disables the
// submit button so a double click never saves twice.
import { AppError, toAppError } from "./ipc";
import type { FieldErrors } from "./validation";

export class FormState {
  /** Field name -> message, shown beside the field. */
  errors: FieldErrors = $state({});
  /** The message of a failure no field explains (a conflict, a refusal, a lost database). */
  failure: string | null = $state(null);
  /** The failure itself, for forms that branch on its kind (a conflict offers to load theirs). */
  error: AppError | null = $state(null);
  saving = $state(false);
  /** Counts failed submits, once their errors are known, so an error summary (ErrorSummary's
   *  `attempt`) takes focus after each one and never while the user types. */
  attempt = $state(0);

  /** True when a field error or a failure is shown. */
  get failed(): boolean {
    return this.failure !== null || Object.keys(this.errors).length > 0;
  }

  /** What went wrong as one message, for a form with no place beside its fields for their
   *  errors (a row of buttons, a list of rows): the failure, else the field messages. */
  get message(): string | null {
    return this.failure ?? (Object.values(this.errors).join(" ") || null);
  }

  /**
   * Checks the form with `check` (field -> message; empty when all is well), then runs `save`.
   * Resolves true when it saved; on false the errors and the failure say why. A submit while a
   * save is running is ignored.
   */
  async submit(save: () => Promise<unknown>, check?: () => FieldErrors): Promise<boolean> {
    if (this.saving) return false;
    this.clear();
    const problems = check?.() ?? {};
    if (Object.keys(problems).length > 0) {
      this.errors = problems;
      this.attempt += 1;
      return false;
    }
    this.saving = true;
    try {
      await save();
      return true;
    } catch (e) {
      this.fail(e);
      this.attempt += 1;
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** Shows `e` the way a failed save is shown: beside the fields it names, or as one message. */
  fail(e: unknown) {
    const err = toAppError(e);
    this.error = err;
    this.errors = err.fieldMessages();
    this.failure = Object.keys(this.errors).length > 0 ? null : err.message;
  }

  /** Forgets every error and failure (a new record in the editor, a cancelled edit). */
  clear() {
    this.errors = {};
    this.failure = null;
    this.error = null;
  }
}

export function createForm(): FormState {
  return new FormState();
}
