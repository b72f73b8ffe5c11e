// Typed wrappers for the ladder commands (src-tauri/src/commands/ladder.rs).
import { call } from "../ipc";
import type { CaseDetail } from "../generated/CaseDetail";
import type { LadderLevel } from "../generated/LadderLevel";
import type { LadderLevelInput } from "../generated/LadderLevelInput";

export const getLadder = () => call<LadderLevel[]>("get_ladder");
export const saveLadder = (levels: LadderLevelInput[]) => call<LadderLevel[]>("save_ladder", { levels });
export const raiseHierarchy = (id: number, version: number, reason: string) =>
  call<CaseDetail>("raise_hierarchy", { id, version, reason });
