// Typed wrappers for the mail and communication commands (commands/mail.rs, commands/communications.rs).
import { call } from "../ipc";
import type { CadenceInput } from "../generated/CadenceInput";
import type { CaseDetail } from "../generated/CaseDetail";
import type { ContactKind } from "../generated/ContactKind";
import type { CustomerUpdateInput } from "../generated/CustomerUpdateInput";
import type { MailPause } from "../generated/MailPause";
import type { MailSettingsView } from "../generated/MailSettingsView";
import type { OutboxMessage } from "../generated/OutboxMessage";
import type { OutboxStatus } from "../generated/OutboxStatus";
import type { ProgressInput } from "../generated/ProgressInput";
import type { SendError } from "../generated/SendError";
import type { SmtpSettings } from "../generated/SmtpSettings";

export const getMailSettings = () => call<MailSettingsView>("get_mail_settings");
export const saveMailSettings = (settings: SmtpSettings, password: string | null) =>
  call<MailSettingsView>("save_mail_settings", { settings, password });
export const sendTestMessage = (to: string) => call<SendError | null>("send_test_message", { to });

export const getMailPause = () => call<MailPause | null>("get_mail_pause");
export const resumeMail = () => call<null>("resume_mail");
export const listOutbox = (status: OutboxStatus | null) => call<OutboxMessage[]>("list_outbox", { status });
export const retryMessage = (id: number, version: number) => call<OutboxMessage>("retry_message", { id, version });
export const cancelMessage = (id: number, version: number) => call<OutboxMessage>("cancel_message", { id, version });
export const editRecipients = (id: number, version: number, recipients: string[]) =>
  call<OutboxMessage>("edit_recipients", { id, version, recipients });

export const postProgress = (caseId: number, input: ProgressInput) => call<CaseDetail>("post_progress", { caseId, input });
export const recordCustomerUpdate = (caseId: number, input: CustomerUpdateInput) =>
  call<CaseDetail>("record_customer_update", { caseId, input });
export const setCaseContacts = (caseId: number, kind: ContactKind, personIds: number[]) =>
  call<CaseDetail>("set_case_contacts", { caseId, kind, personIds });
export const setCadence = (caseId: number, input: CadenceInput) => call<CaseDetail>("set_cadence", { caseId, input });
