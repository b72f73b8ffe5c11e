// Typed wrappers for the After Action Report commands (src-tauri/src/commands/aar.rs).
import { call } from "../ipc";
import type { Aar } from "../generated/Aar";
import type { AarSettings } from "../generated/AarSettings";
import type { AarStep } from "../generated/AarStep";
import type { DistributionSuggestion } from "../generated/DistributionSuggestion";
import type { Improvement } from "../generated/Improvement";
import type { SectionDiff } from "../generated/SectionDiff";
import type { SectionVersion } from "../generated/SectionVersion";
import type { SignOffCodeSent } from "../generated/SignOffCodeSent";
import type { SignOffRole } from "../generated/SignOffRole";

export const getAar = (caseId: number) => call<Aar | null>("get_aar", { caseId });
export const startAar = (caseId: number) => call<Aar>("start_aar", { caseId });
/** On a team desk: tells the other windows which section this person has open (`null`: left the
 *  report) and whether they are typing. Nothing is stored. */
export const announceAarPresence = (aarId: number, sectionId: number | null, typing: boolean) =>
  call<null>("announce_aar_presence", { aarId, sectionId, typing });

export const saveAarSection = (sectionId: number, version: number, body: string) =>
  call<Aar>("save_aar_section", { sectionId, version, body });
export const refreshAarSection = (sectionId: number, version: number) => call<Aar>("refresh_aar_section", { sectionId, version });
export const setAarTimelineEvents = (aarId: number, version: number, ids: number[]) =>
  call<Aar>("set_aar_timeline_events", { aarId, version, ids });
export const assignAarSection = (sectionId: number, personId: number | null) => call<Aar>("assign_aar_section", { sectionId, personId });
export const addAarComment = (sectionId: number, body: string) => call<Aar>("add_aar_comment", { sectionId, body });
export const resolveAarComment = (commentId: number) => call<Aar>("resolve_aar_comment", { commentId });
export const saveAarImprovements = (aarId: number, version: number, items: Improvement[]) =>
  call<Aar>("save_aar_improvements", { aarId, version, items });
export const sendImprovementsToProblem = (aarId: number, version: number) => call<Aar>("send_improvements_to_problem", { aarId, version });
export const sendSignoffCode = (aarId: number, version: number, role: SignOffRole) =>
  call<SignOffCodeSent>("send_signoff_code", { aarId, version, role });
export const confirmSignoff = (aarId: number, version: number, role: SignOffRole, code: string) =>
  call<Aar>("confirm_signoff", { aarId, version, role, code });
export const changeAarStatus = (aarId: number, version: number, step: AarStep) => call<Aar>("change_aar_status", { aarId, version, step });
export const listAarSectionVersions = (sectionId: number) => call<SectionVersion[]>("list_aar_section_versions", { sectionId });
export const diffAarRevisions = (aarId: number, from: number, to: number) => call<SectionDiff[]>("diff_aar_revisions", { aarId, from, to });
export const renderAar = (caseId: number) => call<Aar>("render_aar", { caseId });
export const openAarPdf = (path: string) => call<null>("open_aar_pdf", { path });
export const getAarSettings = () => call<AarSettings>("get_aar_settings");
export const saveAarSettings = (settings: AarSettings) => call<AarSettings>("save_aar_settings", { settings });
export const listDistributionSuggestions = (caseId: number) => call<DistributionSuggestion[]>("list_distribution_suggestions", { caseId });
export const distributeAar = (aarId: number, version: number, recipients: string[]) =>
  call<Aar>("distribute_aar", { aarId, version, recipients });
/** The PDF's bytes (the command answers with raw bytes). */
export const getAarPdf = (renderId: number) => call<ArrayBuffer>("get_aar_pdf", { renderId });
export const saveAarLogo = (pngBase64: string | null) => call<AarSettings>("save_aar_logo", { pngBase64 });
