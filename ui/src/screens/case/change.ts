// The case page's change() runs a change of the case and shows the case it returns; a failure is
// answered rather than thrown, for the panel to place.
import type { AppError } from "../../lib/ipc";
import type { CaseDetail } from "../../lib/generated/CaseDetail";

export type Change = (run: () => Promise<CaseDetail>) => Promise<AppError | null>;

/** `run` through the page's change() as a form's save (createForm's submit): the error change()
 *  answers is thrown, so the form shows it beside its field or in its alert. */
export function throughPage(change: Change, run: () => Promise<CaseDetail>): () => Promise<void> {
  return async () => {
    const err = await change(run);
    if (err) throw err;
  };
}
