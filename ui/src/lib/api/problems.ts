// Typed wrappers for the problem commands (src-tauri/src/commands/problems.rs).
import { call } from "../ipc";
import type { CaseDetail } from "../generated/CaseDetail";
import type { NewProblem } from "../generated/NewProblem";
import type { Problem } from "../generated/Problem";

export const createProblem = (caseId: number, version: number, input: NewProblem) =>
  call<CaseDetail>("create_problem", { caseId, version, input });
export const relateProblem = (caseId: number, version: number, problemId: number | null) =>
  call<CaseDetail>("relate_problem", { caseId, version, problemId });
export const listProblems = () => call<Problem[]>("list_problems");
