// Typed wrappers for the case commands (src-tauri/src/commands/cases.rs).
import { call } from "../ipc";
import type { Case } from "../generated/Case";
import type { CaseDetail } from "../generated/CaseDetail";
import type { CaseFields } from "../generated/CaseFields";
import type { CaseFilter } from "../generated/CaseFilter";
import type { CasePage } from "../generated/CasePage";
import type { PageRequest } from "../generated/PageRequest";
import type { CaseSummary } from "../generated/CaseSummary";
import type { ChainReport } from "../generated/ChainReport";
import type { Level } from "../generated/Level";
import type { NewCase } from "../generated/NewCase";
import type { StageAction } from "../generated/StageAction";
import type { IntegrityReport } from "../generated/IntegrityReport";
import type { CaseFileWritten } from "../generated/CaseFileWritten";
import type { CaseImported } from "../generated/CaseImported";

/** One page of the dashboard's cases (sorted and filtered by the backend) and how many match. */
export const listCases = (filter: CaseFilter, page: PageRequest) => call<CasePage>("list_cases", { filter, page });
/** Active cases whose warranty ends within the week, soonest first, a page at a time. */
export const listWarrantiesEnding = (page: PageRequest) => call<CasePage>("list_warranties_ending", { page });
export const getCase = (id: number) => call<CaseDetail>("get_case", { id });
export const openCase = (input: NewCase) => call<Case>("open_case", { input });
export const updateCase = (id: number, version: number, fields: CaseFields) =>
  call<CaseDetail>("update_case", { id, version, fields });
export const changeLevel = (id: number, version: number, level: Level, reason: string) =>
  call<CaseDetail>("change_level", { id, version, level, reason });
export const takeStageAction = (id: number, version: number, action: StageAction, reason: string | null) =>
  call<CaseDetail>("take_stage_action", { id, version, action, reason });
export const verifyTimeline = (id: number) => call<ChainReport>("verify_timeline", { id });

/** Every case's timeline checked at start (`null` while the check runs). */
export const getIntegrity = () => call<IntegrityReport | null>("get_integrity");

/** Writes the case as a case file (a zip: docs/case-file.md) into the desk's case-files folder. */
export const exportCaseFile = (caseId: number) => call<CaseFileWritten>("export_case_file", { caseId });
/** Imports a case file (base64 of its bytes) as a new case of this desk. */
export const importCaseFile = (fileBase64: string) => call<CaseImported>("import_case_file", { fileBase64 });
