import { mount } from "svelte";
import "./styles/tokens.css";
import "./styles/base.css";
import App from "./App.svelte";
import { askFirstPageEarly } from "./screens/dashboard/firstPage";

// Before the app mounts, beside the session's own calls: see firstPage.ts.
askFirstPageEarly();

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
export default mount(App, { target });
