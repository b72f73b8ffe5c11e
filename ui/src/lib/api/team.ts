// Typed wrappers for the team commands (src-tauri/src/commands/team.rs).
import { call } from "../ipc";
import type { Appointment } from "../generated/Appointment";
import type { CaseDetail } from "../generated/CaseDetail";
import type { PersonRef } from "../generated/PersonRef";
import type { StaffLoad } from "../generated/StaffLoad";
import type { TeamRole } from "../generated/TeamRole";
import type { WorkOrder } from "../generated/WorkOrder";
import type { WorkOrderInput } from "../generated/WorkOrderInput";

export const appointMember = (caseId: number, appointment: Appointment) =>
  call<CaseDetail>("appoint_member", { caseId, appointment });
export const changeMemberRole = (caseId: number, memberId: number, role: TeamRole) =>
  call<CaseDetail>("change_member_role", { caseId, memberId, role });
export const setMemberStandby = (caseId: number, memberId: number, standby: boolean) =>
  call<CaseDetail>("set_member_standby", { caseId, memberId, standby });
export const releaseMember = (caseId: number, memberId: number) => call<CaseDetail>("release_member", { caseId, memberId });
export const getStaffLoad = () => call<StaffLoad[]>("get_staff_load");
export const recordWorkOrder = (input: WorkOrderInput) => call<StaffLoad[]>("record_work_order", { input });
export const listWorkOrders = (personId: number) => call<WorkOrder[]>("list_work_orders", { personId });
export const listAgreeingPeople = () => call<PersonRef[]>("list_agreeing_people");
