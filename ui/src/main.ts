import { mount } from "svelte";
import "./styles/tokens.css";
import "./styles/base.css";
import App from "./App.svelte";
import { formatLocal } from "./lib/format";
import { session } from "./lib/session.svelte";
import { askFirstPageEarly } from "./screens/dashboard/firstPage";

// The bundle has been loaded and parsed (the start's steps are marked for tests/bench/first-screen).
performance.mark("bundle-run");

/** The longest the window stays blank waiting for the first screen's data: a slow team desk shows
 *  "Opening the database…" after it rather than nothing. */
const WAIT_MS = 400;

// The session and the dashboard's first page are asked together, and the app is mounted once both
// are in: the window then draws its first screen once, whole, instead of "Opening the database…",
// then the empty dashboard, then its rows, each frame drawn in software (no compositing,
// webview.rs). Measured alone it gained little here (the shadow and fonts in tokens.css were the
// cost); it saves the two frames nobody needs to see.
const firstPage = askFirstPageEarly();
const started = session.refresh();
// While they are answered, the page would idle: the first date formatted builds WebKit's ICU
// date formatter (~14 ms here), which the first screen needs for its alerts and warranties.
formatLocal(new Date().toISOString());
let waited: ReturnType<typeof setTimeout> | undefined;
await Promise.race([Promise.all([started, firstPage]), new Promise((done) => (waited = setTimeout(done, WAIT_MS)))]);
clearTimeout(waited);

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
performance.mark("mount");
const app = mount(App, { target });
// Between these two marks the components build the screen's DOM; after it, the browser's style,
// layout and paint (the bench shows both beside "first-screen").
performance.mark("mounted");
export default app;
