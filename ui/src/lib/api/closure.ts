// Typed wrappers for the closure commands (src-tauri/src/commands/closure.rs).
import { call } from "../ipc";
import type { CaseDetail } from "../generated/CaseDetail";
import type { ProcessSettings } from "../generated/ProcessSettings";
import type { RecurrenceInput } from "../generated/RecurrenceInput";
import type { ReviewMeetingInput } from "../generated/ReviewMeetingInput";
import type { ReviewOutcomeInput } from "../generated/ReviewOutcomeInput";
import type { VerificationInput } from "../generated/VerificationInput";
import type { WarrantyInput } from "../generated/WarrantyInput";

export const startWarranty = (id: number, version: number, input: WarrantyInput) =>
  call<CaseDetail>("start_warranty", { id, version, input });
export const recordRecurrence = (id: number, version: number, input: RecurrenceInput) =>
  call<CaseDetail>("record_recurrence", { id, version, input });
export const verifySatisfaction = (id: number, version: number, input: VerificationInput) =>
  call<CaseDetail>("verify_satisfaction", { id, version, input });
export const scheduleReview = (id: number, input: ReviewMeetingInput) => call<CaseDetail>("schedule_review", { id, input });
export const rescheduleReview = (id: number, meetingId: number, sequence: number, input: ReviewMeetingInput) =>
  call<CaseDetail>("reschedule_review", { id, meetingId, sequence, input });
export const cancelReview = (id: number, meetingId: number, sequence: number) =>
  call<CaseDetail>("cancel_review", { id, meetingId, sequence });
export const recordReviewOutcome = (id: number, meetingId: number, input: ReviewOutcomeInput) =>
  call<CaseDetail>("record_review_outcome", { id, meetingId, input });
export const getProcessSettings = () => call<ProcessSettings>("get_process_settings");
export const saveProcessSettings = (settings: ProcessSettings) => call<ProcessSettings>("save_process_settings", { settings });
