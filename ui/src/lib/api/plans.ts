// Typed wrappers for the plan commands (src-tauri/src/commands/plans.rs).
import { call } from "../ipc";
import type { Action } from "../generated/Action";
import type { ActionDiff } from "../generated/ActionDiff";
import type { CaseDetail } from "../generated/CaseDetail";
import type { PlanKind } from "../generated/PlanKind";
import type { PlanReviewInput } from "../generated/PlanReviewInput";

export const savePlan = (caseId: number, kind: PlanKind, revision: number, actions: Action[]) =>
  call<CaseDetail>("save_plan", { caseId, kind, revision, actions });
export const reviewPlan = (caseId: number, kind: PlanKind, input: PlanReviewInput) =>
  call<CaseDetail>("review_plan", { caseId, kind, input });
export const planDiff = (caseId: number, kind: PlanKind, from: number, to: number) =>
  call<ActionDiff[]>("plan_diff", { caseId, kind, from, to });
