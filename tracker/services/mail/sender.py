"""Sending the outbox over SMTP: claim a due mail, send it, record what happened.

A mail is claimed before anything is sent, by a conditional UPDATE (pending and due → sending)
that is committed at once: two senders (two schedulers, a scheduler and ``flask send-mail``) may
pick the same row, but only the one whose UPDATE changed it sends it. The outcome is committed
before the next mail is claimed.

SMTP has no idempotency key: a sender that dies between the server's "250" and its own commit
cannot know whether the mail went out. Such a row stays in ``sending``; after
:data:`STUCK_AFTER` it is marked failed with :data:`UNCERTAIN_ERROR` and left for a person to
check and retry, never resent on a guess. A retried mail keeps its Message-ID, so a duplicate can
be recognised.

Temporary trouble (4xx replies, an unreachable or disconnecting server, a timeout) puts the mail
back with a growing delay (:data:`BACKOFF_MINUTES`) until ``MAIL_MAX_ATTEMPTS``; a permanent
refusal of the recipient or the content (5xx) fails it at once. Without ``SMTP_HOST`` nothing is
sent: due mail is marked ``recorded`` and stays readable on the mail pages.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from config import SMTP_SECURITY_CHOICES
from config import default as setting_default
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, User
from tracker.services.audit import record_event

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50  # mails per run: bounds how long one run may hold the sender
BACKOFF_MINUTES = (1, 5, 15, 60, 240)  # wait after the 1st, 2nd, … failed attempt; the last repeats
STUCK_AFTER = timedelta(minutes=10)  # far beyond any timeout: a row still sending was interrupted
UNCERTAIN_ERROR = "发送状态不明（发送过程中断），请核实后手动重试"
ERROR_MAX_LENGTH = 1000


class MailError(Refusal):
    """A mail action refused (e.g. retrying a mail that has not failed); the message is for the user."""


@dataclass(frozen=True)
class MailSettings:
    """The SMTP settings of ``config.py`` (``SMTP_*``, ``MAIL_MAX_ATTEMPTS``), defaults and all."""

    host: str = setting_default("SMTP_HOST")
    port: int = setting_default("SMTP_PORT")
    security: str = setting_default("SMTP_SECURITY")  # none, starttls or ssl
    user: str = setting_default("SMTP_USER")
    password: str = setting_default("SMTP_PASSWORD")
    sender: str = setting_default("SMTP_FROM")
    timeout: float = setting_default("SMTP_TIMEOUT")
    max_attempts: int = setting_default("MAIL_MAX_ATTEMPTS")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Raises ValueError for an ``SMTP_SECURITY`` other than none, starttls or ssl: a typo must
        not quietly send in the clear."""
        defaults = cls()
        security = str(config.get("SMTP_SECURITY") or defaults.security).strip().lower()
        if security not in SMTP_SECURITY_CHOICES:
            raise ValueError(f"SMTP_SECURITY={security!r}: choose one of {', '.join(SMTP_SECURITY_CHOICES)}")
        return cls(
            host=(config.get("SMTP_HOST") or "").strip(),
            port=int(config.get("SMTP_PORT", defaults.port)),
            security=security,
            user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
            sender=config.get("SMTP_FROM") or defaults.sender,
            timeout=float(config.get("SMTP_TIMEOUT", defaults.timeout)),
            max_attempts=max(1, int(config.get("MAIL_MAX_ATTEMPTS", defaults.max_attempts))),
        )

    @property
    def domain(self) -> str:
        """The domain of the sender's address, which ends every Message-ID."""
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"


def current_settings() -> MailSettings:
    return MailSettings.from_config(current_app.config)


# --- the message ---------------------------------------------------------------------------------------


def message_id_for(notification_id: int, dedup_key: str, settings: MailSettings) -> str:
    """``<notification-{id}.{hash of the dedup key}@{domain}>``: the same mail always gets the same id."""
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:16]
    return f"<notification-{notification_id}.{digest}@{settings.domain}>"


def build_message(
    notification: Notification, settings: MailSettings | Mapping[str, Any], *, date: datetime | None = None
) -> EmailMessage:
    """The mail as it is (or would be) sent: the text and HTML rendered when it was queued
    (templates/email/), as multipart/alternative; plain text alone for a row without HTML.

    ``settings`` is a :class:`MailSettings` or the app's config. ``Date`` is ``date``, else when
    the mail was sent, else when it was queued. The Message-ID is the one stored on the row,
    else :func:`message_id_for`.
    """
    if not isinstance(settings, MailSettings):
        settings = MailSettings.from_config(settings)
    # The default policy encodes the Chinese subject and display names (RFC 2047); SMTPUTF8
    # would leave them raw, which servers without that extension reject.
    message = EmailMessage()
    message["Subject"] = " ".join(notification.subject.split())  # one line: a stray newline is no header
    message["From"] = settings.sender
    message["To"] = notification.recipient_email.strip()
    moment = date or notification.sent_at or notification.created_at
    if moment is not None:
        message["Date"] = moment
    message["Message-ID"] = notification.message_id or message_id_for(notification.id, notification.dedup_key, settings)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    # Base64 keeps the Chinese bodies 7-bit: smtplib would send 8-bit text without asking the
    # server for 8BITMIME.
    message.set_content(notification.body_text, cte="base64")
    if notification.body_html:
        message.add_alternative(notification.body_html, subtype="html", cte="base64")
    return message


# --- sending -------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one :func:`send_due` run did."""

    sent: int = 0
    recorded: int = 0  # no SMTP configured: kept, not sent
    retrying: int = 0  # a temporary failure: back to pending, to be tried again later
    failed: int = 0  # refused for good, or out of attempts
    uncertain: int = 0  # found interrupted mid-send: marked failed for a person to check
    taken: int = 0  # claimed first by another sender
    stopped: str | None = None  # why the run stopped before the end (the server is unusable)

    def __str__(self) -> str:
        counts = (
            ("已发送", self.sent),
            ("已记录（未配置邮件服务器）", self.recorded),
            ("待重试", self.retrying),
            ("发送失败", self.failed),
            ("状态不明", self.uncertain),
        )
        parts = [f"{label} {number} 封" for label, number in counts if number]
        text = "邮件：" + "，".join(parts) + "。" if parts else "没有到期待发的邮件。"
        if self.stopped:
            text += f"邮件服务器暂不可用（{self.stopped}），其余邮件留待下次发送。"
        return text


def send_due(now: datetime, *, limit: int = DEFAULT_LIMIT, settings: MailSettings | None = None) -> SendReport:
    """Send (or, without ``SMTP_HOST``, record) up to ``limit`` mails due at ``now``.

    Unlike other services this one commits, once per mail and before each send: one mail's
    outcome must be durable before the next is sent, or a crash later in the run would lose the
    record that earlier mails went out (and send them again); and the claim must be visible to
    other senders before the slow network part. Call it with no uncommitted changes in the
    session, as they would be committed with the first claim.

    First, rows left in ``sending`` for longer than :data:`STUCK_AFTER` are marked failed with
    :data:`UNCERTAIN_ERROR`. When the server cannot be reached the run stops after the first
    attempt; the mails not yet tried stay pending, untouched.
    """
    settings = settings or current_settings()
    report = SendReport(uncertain=_give_up_on_stuck(now))
    db.session.commit()
    due = db.session.execute(
        sa.select(Notification.id, Notification.dedup_key)
        .where(Notification.status == NotificationStatus.PENDING, _is_due(now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ).all()
    if not settings.host:
        for notification_id, dedup_key in due:
            if _claim(notification_id, message_id_for(notification_id, dedup_key, settings), now, recording=True):
                report.recorded += 1
            else:
                report.taken += 1
        return report
    with SMTPConnection(settings) as connection:
        for notification_id, dedup_key in due:
            if not _claim(notification_id, message_id_for(notification_id, dedup_key, settings), now):
                report.taken += 1
                continue
            outcome = _send_one(db.session.get_one(Notification, notification_id), connection, settings, now)
            setattr(report, outcome.counter, getattr(report, outcome.counter) + 1)
            if outcome.server_unusable:
                report.stopped = outcome.error
                break
    return report


def retry(notification: Notification, actor: User | None, now: datetime) -> None:
    """Put a failed mail back in the queue, due now, with a fresh count of attempts (audited).

    Raises :class:`MailError` when the mail has not failed. The caller commits.
    """
    if notification.status != NotificationStatus.FAILED:
        raise MailError(_("只有发送失败的邮件可以重新发送。"))
    before = {
        "status": notification.status.value,
        "attempts": notification.attempts,
        "last_error": notification.last_error,
    }
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = now
    notification.claimed_at = None
    record_event(
        "mail_retried",
        now=now,
        actor=actor,
        object_type="notification",
        object_id=notification.id,
        before=before,
        after={"status": NotificationStatus.PENDING.value, "attempts": 0},
    )
    db.session.flush()


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


def _is_due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)


def _give_up_on_stuck(now: datetime) -> int:
    """Mark mails interrupted mid-send as failed (uncertain); they are never resent on a guess."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.status == NotificationStatus.SENDING,
            sa.or_(Notification.claimed_at.is_(None), Notification.claimed_at < now - STUCK_AFTER),
        )
        .values(status=NotificationStatus.FAILED, last_error=UNCERTAIN_ERROR)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        log.warning("%s mail(s) were interrupted while sending; marked failed for a person to check", result.rowcount)
    return result.rowcount or 0


def _claim(notification_id: int, message_id: str, now: datetime, *, recording: bool = False) -> bool:
    """Take the row if it is still pending and due; False when another sender took it first.

    Committed at once, so that the claim is visible to other senders before anything is sent.
    """
    values: dict[str, Any] = {"message_id": sa.func.coalesce(Notification.message_id, message_id)}
    if recording:
        values["status"] = NotificationStatus.RECORDED
    else:
        values |= {"status": NotificationStatus.SENDING, "claimed_at": now, "attempts": Notification.attempts + 1}
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.status == NotificationStatus.PENDING, _is_due(now))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


@dataclass(frozen=True)
class _Outcome:
    counter: str  # the SendReport field to count it in
    error: str | None = None
    server_unusable: bool = False


def _send_one(
    notification: Notification, connection: SMTPConnection, settings: MailSettings, now: datetime
) -> _Outcome:
    """Send one claimed mail and commit its outcome."""
    try:
        message = build_message(notification, settings, date=now)
    except (ValueError, TypeError) as error:  # a header the message cannot carry (say, a newline)
        return _record_failure(notification, settings, now, f"无法生成邮件：{error}", permanent=True)
    try:
        connection.send(message)
    except (smtplib.SMTPException, OSError, UnicodeError) as error:
        permanent, server_unusable, description = classify(error)
        outcome = _record_failure(notification, settings, now, description, permanent=permanent)
        return _Outcome(outcome.counter, description, server_unusable)
    notification.status = NotificationStatus.SENT
    notification.sent_at = now
    notification.last_error = None
    notification.next_attempt_at = None
    db.session.commit()
    return _Outcome("sent")


def _record_failure(
    notification: Notification, settings: MailSettings, now: datetime, error: str, *, permanent: bool
) -> _Outcome:
    """Back to pending after a delay, or failed when the refusal is permanent or attempts run out."""
    notification.last_error = error[:ERROR_MAX_LENGTH]
    notification.claimed_at = None
    if permanent or notification.attempts >= settings.max_attempts:
        notification.status = NotificationStatus.FAILED
        notification.next_attempt_at = None
        counter = "failed"
    else:
        notification.status = NotificationStatus.PENDING
        notification.next_attempt_at = now + backoff(notification.attempts)
        counter = "retrying"
    db.session.commit()
    log.warning("mail %s to %s: %s (%s)", notification.id, notification.recipient_email, error, counter)
    return _Outcome(counter, error)


def classify(error: Exception) -> tuple[bool, bool, str]:
    """``(permanent, server_unusable, description)`` of an SMTP failure.

    Permanent: a 5xx refusal of the recipient or of the content; the mail fails at once.
    Server unusable: the server cannot be reached, dropped the connection, timed out, or refuses
    the sign-in or the sender; trying the next mails now would only wait out more timeouts.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (0, b""))
        return code >= 500, False, f"收件人被拒绝：{code} {_text(reply)}"
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500, False, f"邮件被拒收：{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        reply = f"{error.smtp_code} {_text(error.smtp_error)}"
        return False, True, f"邮件服务器登录失败：{reply}（请检查 TRACKER_SMTP_USER 和 TRACKER_SMTP_PASSWORD）"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False, True, f"发件人被拒绝：{error.smtp_code} {_text(error.smtp_error)}（请检查 TRACKER_SMTP_FROM）"
    if isinstance(error, smtplib.SMTPResponseException):
        return False, True, f"邮件服务器拒绝服务：{error.smtp_code} {_text(error.smtp_error)}"
    # smtplib reports a reply that timed out as a disconnection.
    if isinstance(error, TimeoutError) or (
        isinstance(error, smtplib.SMTPServerDisconnected) and "timed out" in str(error)
    ):
        return False, True, f"邮件服务器无响应（超时）：{error}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return False, True, f"邮件服务器断开了连接：{error}"
    if isinstance(error, OSError):
        return False, True, f"无法连接邮件服务器：{error}"
    if isinstance(error, UnicodeError):  # smtplib sends user names and passwords as ASCII only
        return False, True, f"邮件服务器设置含有无法发送的字符（用户名和口令只能使用英文字符）：{error}"
    return False, True, f"邮件服务器出错：{error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class SMTPConnection:
    """One SMTP session for a run's mails, opened on first use, reopened after an error dropped it."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._open()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
            raise  # smtplib has reset the transaction: the session is still good for the next mail
        except BaseException:
            self.close()
            raise

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
