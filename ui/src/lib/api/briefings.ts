// Typed wrappers for the briefing and figures commands (src-tauri/src/commands/briefings.rs).
import { call } from "../ipc";
import type { BriefingFile } from "../generated/BriefingFile";
import type { Period } from "../generated/Period";
import type { Portfolio } from "../generated/Portfolio";

export const renderCaseBriefing = (caseId: number) => call<BriefingFile>("render_case_briefing", { caseId });
export const renderPortfolioBriefing = (period: Period) => call<BriefingFile>("render_portfolio_briefing", { period });
export const getPortfolio = (period: Period) => call<Portfolio>("get_portfolio", { period });
export const openBriefing = (path: string) => call<null>("open_briefing", { path });
