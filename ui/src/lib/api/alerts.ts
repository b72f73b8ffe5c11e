// Typed wrappers for the executive alert commands (src-tauri/src/commands/alerts.rs).
import { call } from "../ipc";
import type { Alert } from "../generated/Alert";
import type { AlertPage } from "../generated/AlertPage";
import type { PageRequest } from "../generated/PageRequest";
import type { AlertRule } from "../generated/AlertRule";
import type { CaseRef } from "../generated/CaseRef";
import type { Rule } from "../generated/Rule";

export const listAlertRules = () => call<AlertRule[]>("list_alert_rules");
export const addAlertRule = (rule: Rule) => call<AlertRule>("add_alert_rule", { rule });
export const updateAlertRule = (id: number, version: number, rule: Rule) =>
  call<AlertRule>("update_alert_rule", { id, version, rule });
export const deleteAlertRule = (id: number) => call<null>("delete_alert_rule", { id });
export const testAlertRule = (rule: Rule) => call<CaseRef[]>("test_alert_rule", { rule });
/** One page of the alerts awaiting acknowledgement, oldest first, and how many there are. */
export const listOpenAlerts = (page: PageRequest) => call<AlertPage>("list_open_alerts", { page });
export const acknowledgeAlert = (id: number, note: string) => call<Alert>("acknowledge_alert", { id, note });
