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
   *  "\uE007" Enter, "\uE00C" Escape), as a user's keyboard would, with no element aimed at. */
  async keys(text) {
    const actions = [];
    for (const value of text) actions.push({ type: "keyDown", value }, { type: "keyUp", value });
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  async activeElementId() {
    const el = await this.cmd("GET", "/element/active");
    return new Element(this, el[ELEMENT]).attr("id");
  }
}

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
