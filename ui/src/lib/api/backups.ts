// Typed wrappers for the backup commands (src-tauri/src/commands/backups.rs).
import { call } from "../ipc";
import type { BackupCheck } from "../generated/BackupCheck";
import type { BackupsView } from "../generated/BackupsView";

export const getBackups = () => call<BackupsView>("get_backups");
export const setBackupsKept = (kept: number) => call<number>("set_backups_kept", { kept });
/** Checks the backup whole, then the app restarts and restores it before opening the desk. */
export const restoreBackup = (name: string) => call<BackupCheck>("restore_backup", { name });
