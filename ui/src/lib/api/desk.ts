// Typed wrappers for the desk commands (src-tauri/src/commands/desk.rs).
import { call } from "../ipc";
import type { PasswordStorage } from "../generated/PasswordStorage";
import type { TeamDeskAddress } from "../generated/TeamDeskAddress";
import type { TeamDeskInput } from "../generated/TeamDeskInput";

export const getTeamDesk = () => call<TeamDeskAddress | null>("get_team_desk");
export const connectTeamDesk = (input: TeamDeskInput) => call<PasswordStorage>("connect_team_desk", { input });
export const useWorkstationDesk = () => call<null>("use_workstation_desk");
