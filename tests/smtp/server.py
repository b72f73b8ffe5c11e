#!/usr/bin/python3
"""A real SMTP server for the tests: STARTTLS (required) and AUTH (PLAIN, LOGIN) on 127.0.0.1.

Every accepted message is saved to a Maildir (with the envelope recipients in X-Test-Rcpt-To) so a
test can read it back. A recipient whose address contains "reject" gets a permanent 550; a message
to one containing "silent" is taken but never answered (the reply to its content is lost).
Every AUTH attempt is appended to --auth-log (one line, "ok" or "refused"), so a test can count
logins.
Prints "READY <port>" once listening; stops on SIGTERM or when stdin closes.

Needs Debian's python3-aiosmtpd (run with /usr/bin/python3).
"""
import argparse
import asyncio
import mailbox
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir):
        self.box = mailbox.Maildir(maildir, create=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any("silent" in r for r in envelope.rcpt_tos):
            await asyncio.sleep(3600)
        data = envelope.original_content or envelope.content
        header = ("X-Test-Rcpt-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode()
        self.box.add(mailbox.MaildirMessage(header + data))
        return "250 Message accepted for delivery"


def authenticator(user, password, auth_log):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        if auth_log:
            with open(auth_log, "a") as f:
                f.write("ok\n" if ok else "refused\n")
        # handled=False: let aiosmtpd answer 235/535 itself (a handled failure hangs the client).
        return AuthResult(success=ok, handled=False)

    return check


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--auth-log")
    a = p.parse_args()

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(a.cert, a.key)
    controller = Controller(
        Handler(a.maildir),
        hostname="127.0.0.1",
        port=a.port,
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticator(a.user, a.password, a.auth_log),
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    print(f"READY {a.port}", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
