// A small W3C WebDriver client over fetch (Node 18+), enough to drive the app through
// tauri-driver: find, click, type, read, wait, screenshot. No npm dependency to keep in step.
import { writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {}

async function request(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value ?? {};
    throw new WebDriverError(`${method} ${path}: ${v.error ?? res.status} ${v.message ?? ""}`.trim());
  }
  return json.value;
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start({ url = `http://127.0.0.1:${process.env.E2E_DRIVER_PORT ?? 4444}`, application, args = [] }) {
    const value = await request(url, "POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application, args } } },
    });
    return new Session(url, value.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async quit() {
    await this.cmd("DELETE", "").catch(() => {});
  }

  async findAll(css) {
    const found = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return found.map((e) => new Element(this, e[ELEMENT]));
  }

  /** Waits for the first element matching `css` (the UI renders asynchronously). */
  async find(css, { timeout = 10000 } = {}) {
    return this.waitFor(async () => (await this.findAll(css))[0], { timeout, what: `element ${css}` });
  }

  /** Waits for an element matching `css` whose text contains `text`. */
  async findWithText(css, text, { timeout = 10000 } = {}) {
    return this.waitFor(
      async () => {
        for (const el of await this.findAll(css)) if ((await el.text()).includes(text)) return el;
        return undefined;
      },
      { timeout, what: `${css} containing "${text}"` },
    );
  }

  async waitFor(probe, { timeout = 10000, interval = 100, what = "condition" } = {}) {
    const until = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const v = await probe();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > until) throw new WebDriverError(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** Runs an asynchronous script: its last argument is the callback that returns its value. */
  executeAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  async screenshot(path) {
    const b64 = await this.cmd("GET", "/screenshot");
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(b64, "base64"));
    return path;
  }

  /** Presses keys on whatever has the focus (WebDriver's key actions: "\uE015" is Down,
   *  "\uE007" Enter, "\uE00C" Escape; see KEY), as a user's keyboard would, with no element
   *  aimed at. Text is typed a character at a time. */
  async keys(text) {
    const actions = [];
    for (const value of text) actions.push({ type: "keyDown", value }, { type: "keyUp", value });
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  /** Presses one key with modifiers held (`press(KEY.TAB, { shift: true })`, `press("f", { alt: true })`). */
  async press(key, { shift = false, ctrl = false, alt = false } = {}) {
    const mods = [shift && KEY.SHIFT, ctrl && KEY.CONTROL, alt && KEY.ALT].filter(Boolean);
    const actions = [
      ...mods.map((value) => ({ type: "keyDown", value })),
      { type: "keyDown", value: key },
      { type: "keyUp", value: key },
      ...mods.reverse().map((value) => ({ type: "keyUp", value })),
    ];
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  async activeElementId() {
    const el = await this.cmd("GET", "/element/active");
    return new Element(this, el[ELEMENT]).attr("id");
  }

  /** What has the focus, as a keyboard user would judge it: a description (tag, id, test id, its
   *  words), whether it is on screen, whether it shows a focus indicator (it matches
   *  :focus-visible and has a computed outline or box-shadow), and the box around it that cuts its
   *  outline off, if one does (`clippedBy`). `css` (optional): whether it matches. */
  focused(css = null) {
    return this.execute(FOCUS_SCRIPT, [css]);
  }

  /** Presses Tab (Shift+Tab with `back`) until the focus is on an element matching `css` (and whose
   *  words contain `text`, if given), at most `max` presses; fails naming everything that had the
   *  focus on the way. Returns focused() of the element reached. */
  async tabTo(css, { text = null, back = false, max = 40 } = {}) {
    const trail = [];
    for (let i = 0; ; i++) {
      const f = await this.focused(css);
      if (f.matches && (text === null || f.text.includes(text))) return f;
      trail.push(f.desc);
      if (i >= max) {
        const want = `${css}${text === null ? "" : ` with "${text}"`}`;
        throw new WebDriverError(`${max} presses of ${back ? "Shift+Tab" : "Tab"} did not reach ${want}; the focus went: ${trail.join(" → ")}`);
      }
      await this.press(KEY.TAB, { shift: back });
    }
  }

  /** Waits for the focus to be on an element matching `css` (focus moves after a screen draws). */
  async focusIs(css, { timeout = 5000 } = {}) {
    let last;
    try {
      return await this.waitFor(async () => {
        last = await this.focused(css);
        return last.matches ? last : undefined;
      }, { timeout, what: `focus on ${css}` });
    } catch (e) {
      throw new WebDriverError(`${e.message}; the focus is on ${last?.desc ?? "nothing known"}`);
    }
  }
}

/** WebDriver's codes for the keys a keyboard user presses (W3C WebDriver, "Keyboard actions"). */
export const KEY = {
  BACKSPACE: "\uE003", TAB: "\uE004", ENTER: "\uE007", SHIFT: "\uE008", CONTROL: "\uE009", ALT: "\uE00A",
  ESCAPE: "\uE00C", SPACE: "\uE00D", END: "\uE010", HOME: "\uE011",
  LEFT: "\uE012", UP: "\uE013", RIGHT: "\uE014", DOWN: "\uE015",
};

const FOCUS_SCRIPT = `
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) {
    return { desc: "nothing (" + (e ? e.tagName.toLowerCase() : "no element") + ")", none: true, matches: false, visible: false, indicator: false, text: "" };
  }
  const r = e.getBoundingClientRect();
  const cs = getComputedStyle(e);
  const visible = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth
    && cs.visibility !== "hidden" && !!e.getClientRects().length;
  let focusVisible = false;
  try { focusVisible = e.matches(":focus-visible"); } catch (_) {}
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
  const shadow = !!cs.boxShadow && cs.boxShadow !== "none";
  // An outline cut off by a scrolling (or overflow-hidden) box around the element is not all seen.
  let clippedBy = null;
  if (outline) {
    const ring = parseFloat(cs.outlineWidth) + Math.max(0, parseFloat(cs.outlineOffset) || 0);
    for (let a = e.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const as = getComputedStyle(a);
      if (as.overflowX === "visible" && as.overflowY === "visible") continue;
      const ar = a.getBoundingClientRect();
      const left = ar.left + a.clientLeft, top = ar.top + a.clientTop;
      if (r.left - ring < left - 0.5 || r.top - ring < top - 0.5 || r.right + ring > left + a.clientWidth + 0.5 || r.bottom + ring > top + a.clientHeight + 0.5) {
        clippedBy = a.tagName.toLowerCase() + (a.id ? "#" + a.id : "") + (a.className && typeof a.className === "string" ? "." + a.className.trim().split(/\\s+/).join(".") : "");
        break;
      }
    }
  }
  const words = (e.getAttribute("aria-label") || (e.matches("input, textarea, select") ? "" : e.innerText) || "").trim().replace(/\\s+/g, " ");
  const desc = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.dataset.testid ? "[data-testid=" + e.dataset.testid + "]" : "")
    + (e.dataset.action ? "[data-action=" + e.dataset.action + "]" : "") + (words ? ' "' + words.slice(0, 50) + '"' : "");
  return {
    desc, none: false, id: e.id, tag: e.tagName.toLowerCase(), text: words, visible, focusVisible,
    indicator: focusVisible && (outline || shadow), clippedBy,
    outline: cs.outlineStyle + " " + cs.outlineWidth + " " + cs.outlineColor, boxShadow: cs.boxShadow,
    matches: arguments[0] ? e.matches(arguments[0]) : null,
  };`;

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }
  /** This element as a script argument (`session.execute(script, [el.ref()])`). */
  ref() {
    return { [ELEMENT]: this.id };
  }
  async click() {
    // WebKitWebDriver aims at the centre of an element only partly on screen (a button under the
    // window's bottom edge), which lands off the page and clicks nothing: bring it fully in first.
    await this.session.execute(`arguments[0].scrollIntoView({ block: "nearest" });`, [{ [ELEMENT]: this.id }]);
    return this.cmd("POST", "/click", {});
  }
  /** Empties a text field the way the UI sees typing: value cleared, then an input event. */
  async clear() {
    await this.session.execute(
      `const e = arguments[0]; e.focus(); e.value = ""; e.dispatchEvent(new Event("input", { bubbles: true }));`,
      [{ [ELEMENT]: this.id }],
    );
  }
  async type(text) {
    await this.cmd("POST", "/value", { text });
  }
  async fill(text) {
    await this.clear();
    if (text !== "") await this.type(text);
  }
  /** Puts text in as a paste would (typing drops newlines in WebKitWebDriver). */
  paste(text) {
    return this.session.execute(
      `const e = arguments[0]; e.focus(); e.value = arguments[1]; e.dispatchEvent(new Event("input", { bubbles: true }));`,
      [{ [ELEMENT]: this.id }, text],
    );
  }
  text() {
    return this.cmd("GET", "/text");
  }
  attr(name) {
    return this.cmd("GET", `/attribute/${encodeURIComponent(name)}`);
  }
  property(name) {
    return this.cmd("GET", `/property/${encodeURIComponent(name)}`);
  }
  async findAll(css) {
    const found = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return found.map((e) => new Element(this.session, e[ELEMENT]));
  }
  /** Picks an option of a <select> by its value, as a user choosing it would (fires change). */
  choose(value) {
    return this.session.execute(
      `const s = arguments[0]; s.value = arguments[1]; s.dispatchEvent(new Event("change", { bubbles: true }));`,
      [{ [ELEMENT]: this.id }, value],
    );
  }
}
