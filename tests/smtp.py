"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 and a free port, in a thread.

Use it by importing the fixture into a test module: ``from tests.smtp import smtp_server  # noqa: F401``.
The server keeps every mail it accepted (``.messages``, parsed); ``.stop()`` and ``.start()``
simulate an outage; ``.answer_rcpt("451 4.3.0 try later", times=1)`` makes it refuse recipients
with that reply (``times=None``: until told otherwise) to test temporary and permanent failures.
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

HOST = "127.0.0.1"  # explicit: the default may resolve to ::1


def free_port() -> int:
    """A port nobody listens on now (aiosmtpd cannot take port 0; a small race is accepted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Accepts mail and keeps it, unless told to answer RCPT or DATA with a scripted reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str | None] = []  # who had signed in, per accepted mail
        self._lock = threading.Lock()
        self._scripted: dict[str, tuple[str, int | None]] = {}

    def script(self, command: str, reply: str | None, times: int | None) -> None:
        with self._lock:
            if reply is None:
                self._scripted.pop(command, None)
            else:
                self._scripted[command] = (reply, times)

    def _scripted_reply(self, command: str) -> str | None:
        with self._lock:
            if command not in self._scripted:
                return None
            reply, times = self._scripted[command]
            if times is not None:
                if times <= 1:
                    del self._scripted[command]
                else:
                    self._scripted[command] = (reply, times - 1)
            return reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        reply = self._scripted_reply("RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self._scripted_reply("DATA")
        if reply is not None:
            return reply
        with self._lock:
            self.raw.append(envelope.content)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            login = session.auth_data.login if session.authenticated else None
            self.logins.append(login.decode() if isinstance(login, bytes) else login)
        return "250 OK"


class SMTPServer:
    """The server under the tests' control; restartable on the same port.

    With ``credentials`` (user, password) it offers AUTH over the plain connection (tests only)
    and refuses other sign-ins with 535.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self.credentials = credentials
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    @property
    def raw(self) -> list[bytes]:
        return self.handler.raw

    def start(self) -> None:
        if self._controller is None:
            # A new controller each time: a stopped one does not restart cleanly.
            auth: dict[str, Any] = {}
            if self.credentials is not None:
                auth = {"authenticator": self._authenticate, "auth_require_tls": False}
            self._controller = Controller(self.handler, hostname=HOST, port=self.port, **auth)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        # Not handled: aiosmtpd itself answers 535 to a refusal.
        return AuthResult(success=given == self.credentials, handled=False, auth_data=auth_data)

    def answer_rcpt(self, reply: str | None, times: int | None = None) -> None:
        """Answer the next ``times`` RCPT commands (all, when None) with ``reply``; None to stop."""
        self.handler.script("RCPT", reply, times)

    def answer_data(self, reply: str | None, times: int | None = None) -> None:
        """Answer the next ``times`` DATA commands (all, when None) with ``reply``; None to stop."""
        self.handler.script("DATA", reply, times)

    def configure(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point the app's mail settings at this server for one test."""
        monkeypatch.setitem(app.config, "SMTP_HOST", HOST)
        monkeypatch.setitem(app.config, "SMTP_PORT", self.port)
        monkeypatch.setitem(app.config, "SMTP_SECURITY", "none")
        monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5.0)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
