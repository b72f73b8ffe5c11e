// Typed wrappers for the workstation commands (src-tauri/src/commands/workstation.rs).
import { call } from "../ipc";
import type { Identity } from "../generated/Identity";
import type { IdentityInput } from "../generated/IdentityInput";
import type { Workstation } from "../generated/Workstation";

export const getWorkstation = () => call<Workstation>("get_workstation");
export const setIdentity = (input: IdentityInput) => call<Identity>("set_identity", { input });
export const loadSampleData = () => call<number>("load_sample_data");
