// Typed wrapper for the search command (src-tauri/src/commands/search.rs).
import { call } from "../ipc";
import type { SearchResults } from "../generated/SearchResults";

/** The desk searched for `query`: hits grouped by kind, newest first, words marked. */
export const searchDesk = (query: string) => call<SearchResults>("search_desk", { query });
