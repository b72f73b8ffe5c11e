// Who is at the workstation and which database is open, loaded once at start and refreshed after
// changes that affect it (identity set, first case opened, sample data loaded).
import { getWorkstation } from "./api/workstation";
import { getMailPause, getMailSettings } from "./api/mail";
import type { MailPause } from "./generated/MailPause";
import { AppError, toAppError } from "./ipc";
import type { Workstation } from "./generated/Workstation";

class Session {
  workstation = $state<Workstation | null>(null);
  error = $state<AppError | null>(null);
  loading = $state(true);
  /** Mail is configured with a user name but this run has no password (no keyring): sending waits. */
  mailPaused = $state(false);
  /** False while a team desk's server cannot be reached (changes are refused until it is back). */
  reachable = $state(true);
  /** Said once on the next screen (a team desk just connected, and where its password is kept). */
  notice = $state<string | null>(null);
  /** The server refused the login: sending stopped so the account is not locked. */
  mailRefused = $state<MailPause | null>(null);

  async refreshMail() {
    try {
      const [view, pause] = await Promise.all([getMailSettings(), getMailPause()]);
      this.mailPaused = !!view.settings?.username && view.password === "none";
      this.mailRefused = pause;
    } catch {
      this.mailPaused = false;
    }
  }

  async refresh() {
    try {
      // Asked together: the first screen waits for one round trip, not three in a row.
      const [workstation] = await Promise.all([getWorkstation(), this.refreshMail()]);
      this.workstation = workstation;
      this.error = null;
      if (!performance.getEntriesByName("session").length) performance.mark("session");
    } catch (e) {
      this.error = toAppError(e);
    } finally {
      this.loading = false;
    }
  }
}

export const session = new Session();
