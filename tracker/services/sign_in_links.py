"""One-time links by mail for choosing a password: nobody sends or types a password for someone else.

A 设置密码 link goes to a new account (or again when the administrator resends it); a 重置密码
link goes to whoever asks for one on the sign-in page with an active account's address. A link
is a random token in the mail; only its SHA-256 is stored, so the database opens no account.
Each link works once, until it expires; a newer link of the same purpose, or a password set
through any link, ends the user's other unused links. The token also stands in the outbox row
that carries it to the recipient's mailbox; the pages never show that mail's body.

Functions add and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import Department, LinkPurpose, SignInLink, User
from tracker.models.people import Role
from tracker.services import people
from tracker.services.accounts import count_attempt
from tracker.services.audit import record_event
from tracker.services.mail import messages, outbox
from tracker.services.mail.catalogue import MailKind

RESET_LINK_HOURS = 2  # a reset is asked for by whoever types an address: short-lived
# 忘记密码 requests per sign-in throttle window (accounts.FAILURE_WINDOW), counted as sign-in
# attempts are: per address asked about from one network address (a person retrying), per address
# asked about from anywhere (more: strangers asking cannot lock its owner out), and per network
# address (an office behind one NAT address). Past any of them nothing is sent, silently.
MAX_RESETS_PER_PAIR = 3
MAX_RESETS_PER_EMAIL = 10
MAX_RESETS_PER_ADDRESS = 30
MAIL_KINDS = {LinkPurpose.SETUP: MailKind.PASSWORD_SETUP, LinkPurpose.RESET: MailKind.PASSWORD_RESET}


class SignInLinkError(Refusal):
    """The link cannot be used; ``message`` says why (for the user), ``status`` is the page's
    HTTP status: 400 for a link that never existed, 410 for one used or expired."""


def setup_hours() -> int:
    """How long a 设置密码 link stays valid (the ``SIGN_IN_LINK_HOURS`` setting)."""
    return int(current_app.config["SIGN_IN_LINK_HOURS"])


def send_setup_link(user: User, *, actor: User | None, now: datetime) -> None:
    """Queue a 设置密码 mail with a new link for ``user`` (valid ``SIGN_IN_LINK_HOURS``), ending
    their earlier unused links. ``actor`` None means the system (the command line, an import).
    Raises :class:`SignInLinkError` for a deactivated account."""
    if not user.is_active:
        raise SignInLinkError(_("账号“%(name)s”已停用，不能发送设置密码链接。", name=user.name), status=400)
    link = _issue(user, LinkPurpose.SETUP, now=now, hours=setup_hours())
    record_event(
        "setup_link_sent",
        now=now,
        actor=actor,
        object_type="user",
        object_id=user.id,
        after={"expires_at": link.expires_at.isoformat()},
    )


def invite(
    *,
    email: str,
    name: str,
    role: Role,
    department: Department | None,
    phone: str | None = None,
    actor: User | None,
    now: datetime,
) -> User:
    """A new account without a password, and the 设置密码 mail that lets its holder choose one
    (the administrator's form with the password left empty, and the 通讯录 import). Raises
    ``PeopleError`` as ``people.create_user`` does."""
    user = people.create_user(
        email=email, name=name, role=role, department=department, phone=phone, password=None, actor=actor, now=now
    )
    send_setup_link(user, actor=actor, now=now)
    return user


def request_reset(email: str, *, now: datetime, remote_addr: str | None) -> None:
    """忘记密码: when ``email`` is an active account's address, queue a 重置密码 mail (valid 2
    hours). Returns nothing and raises nothing either way, so the page cannot tell who has an
    account; an unknown address still renders a mail (unsent), so the answer takes about as long.
    Past the per-address or per-network-address limit nothing is sent."""
    normalized = email.strip().lower()[:254]
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == normalized)) if normalized else None
    keys = [
        (f"reset-pair:{normalized}|{remote_addr or '-'}", MAX_RESETS_PER_PAIR),
        (f"reset:{normalized}", MAX_RESETS_PER_EMAIL),
    ]
    if remote_addr:
        keys.append((f"reset-address:{remote_addr}", MAX_RESETS_PER_ADDRESS))
    throttled = any(count_attempt(key, now)[0] > limit for key, limit in keys)
    if user is None or not user.is_active or throttled:
        # Spend the rendering a real request spends; nothing is stored or sent.
        stand_in = User(id=0, email=normalized, name=normalized, role=Role.STAFF)
        messages.password_link(MailKind.PASSWORD_RESET, stand_in, 0, link_url("-"), RESET_LINK_HOURS)
        if user is not None and throttled:
            record_event(
                "reset_link_throttled", now=now, object_type="user", object_id=user.id, remote_addr=remote_addr
            )
        return
    link = _issue(user, LinkPurpose.RESET, now=now, hours=RESET_LINK_HOURS)
    record_event(
        "reset_link_sent",
        now=now,
        object_type="user",
        object_id=user.id,
        after={"expires_at": link.expires_at.isoformat()},
        remote_addr=remote_addr,
    )


def peek(token: str, *, now: datetime) -> SignInLink:
    """The usable link of ``token`` (for the page that asks for the new password), or
    :class:`SignInLinkError`. Changes nothing."""
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.token_hash == _hash(token)))
    if link is None:
        raise SignInLinkError(_("链接无效，请检查邮件中的链接是否完整，或重新获取。"), status=400)
    if link.used_at is not None:
        raise SignInLinkError(_("该链接已使用过或已被更新的链接取代，请重新获取。"), status=410)
    if link.expires_at <= now:
        raise SignInLinkError(_("该链接已过期，请重新获取。"), status=410)
    if not link.user.is_active:
        raise SignInLinkError(_("该账号已停用，请联系系统管理员。"), status=410)
    return link


def redeem(token: str, password: str, *, now: datetime) -> User:
    """Set the password of the link's user (the usual password rules; ``PeopleError`` when
    broken), use the link up, and end the user's other links and sessions. Returns the user, to
    sign in. Raises :class:`SignInLinkError` as :func:`peek` does, also when a parallel request
    used the link first."""
    link = peek(token, now=now)
    people.check_password_rules(password)
    # Claim the link by a conditional UPDATE: of two requests with the same link, one wins.
    claimed = db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise SignInLinkError(_("该链接已使用过或已被更新的链接取代，请重新获取。"), status=410)
    user = link.user
    _end_unused_links(user, now)
    user.set_password(password)  # a new session token: every earlier session ends
    user.must_change_password = False
    record_event(
        "password_set_by_link",
        now=now,
        actor=user,
        object_type="user",
        object_id=user.id,
        after={"purpose": link.purpose.value},
    )
    db.session.flush()
    db.session.refresh(link)
    return user


def _issue(user: User, purpose: LinkPurpose, *, now: datetime, hours: int) -> SignInLink:
    """End ``user``'s unused links of this purpose (a reset someone else asked for never ends a
    new account's 设置密码 link), store a new one and queue its mail."""
    _end_unused_links(user, now, purpose)
    token = secrets.token_urlsafe(32)
    link = SignInLink(
        user_id=user.id,
        token_hash=_hash(token),
        purpose=purpose,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(link)
    db.session.flush()
    outbox.queue(messages.password_link(MAIL_KINDS[purpose], user, link.id, link_url(token), hours), now)
    return link


def _end_unused_links(user: User, now: datetime, purpose: LinkPurpose | None = None) -> None:
    """End ``user``'s unused links (of ``purpose``; None: all of them)."""
    of_purpose = (SignInLink.purpose == purpose,) if purpose is not None else ()
    db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.user_id == user.id, SignInLink.used_at.is_(None), *of_purpose)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_url(token: str) -> str:
    """Where a one-time link leads: the page that sets the password."""
    return f"{messages.base_url()}/password/{token}"
