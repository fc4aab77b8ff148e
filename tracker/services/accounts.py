"""Signing in, with a throttle against password guessing that cannot be turned against users.

Failed attempts are counted per (account, address) pair and per address, in ``sign_in_counters``,
by an atomic upsert made *before* the password is checked and committed at once: parallel
guesses each take a number, and those past the limit are refused without a check. Refusing by
pair, not by account, keeps an account usable from every other address while someone guesses at
it; the per-address limit is high enough for an office behind one NAT address. A successful
sign-in gives its attempt back. Only known accounts' failures are audited, so anonymous guesses
write nothing but their counter rows.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import ngettext
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import SignInCounter, User
from tracker.models.types import UTCDateTime
from tracker.services.audit import record_event

MAX_FAILURES_PER_PAIR = 5  # one account from one address
MAX_FAILURES_PER_ADDRESS = 100  # every account from one address (an office behind one NAT address)
FAILURE_WINDOW = timedelta(minutes=15)


class SignInThrottled(Refusal):
    """Too many recent failures: no password is checked until ``retry_at``."""

    status = 429

    def __init__(self, retry_at: datetime, *, now: datetime, per_address: bool) -> None:
        self.retry_at = retry_at
        self.minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
        if per_address:
            self.message = ngettext(
                "来自您所在网络地址的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                "来自您所在网络地址的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                self.minutes,
            )
        else:
            self.message = ngettext(
                "该账号的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                "该账号的登录失败次数过多，已暂停登录。请 %(num)s 分钟后再试。",
                self.minutes,
            )
        super().__init__(self.message)


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that was allowed to go ahead: who, from where, under which counters."""

    email: str
    user: User | None
    remote_addr: str | None
    keys: tuple[str, ...]


def reserve_attempt(email: str, *, now: datetime, remote_addr: str | None) -> Attempt:
    """Count this attempt against its pair and its address, and refuse it when either is past
    its limit (:class:`SignInThrottled`, after auditing the first refusal of the window). The
    caller commits before checking the password, so that other attempts see the count."""
    normalized = email.strip().lower()[:254]
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == normalized))
    pair = f"pair:{normalized}|{remote_addr or '-'}"
    keys = (pair, f"address:{remote_addr}") if remote_addr else (pair,)
    for key, limit in zip(keys, (MAX_FAILURES_PER_PAIR, MAX_FAILURES_PER_ADDRESS), strict=False):
        attempts, window_start = count_attempt(key, now)
        if attempts > limit:
            refusal = SignInThrottled(window_start + FAILURE_WINDOW, now=now, per_address=key != pair)
            if attempts == limit + 1:
                record_event(
                    "login_throttled",
                    now=now,
                    object_type="user",
                    object_id=user.id if user is not None else None,
                    after={"email": normalized, "retry_at": refusal.retry_at.isoformat()},
                    remote_addr=remote_addr,
                )
            raise refusal
    return Attempt(normalized, user, remote_addr, keys)


def check_attempt(attempt: Attempt, password: str, *, now: datetime) -> User | None:
    """The active user whose password this is, or None. A success gives the attempt back to its
    counters; a known account's failure is audited. The caller commits."""
    user = attempt.user
    if user is None or not user.has_usable_password:
        # Spend the time a real check takes, so the answer's speed does not reveal who has an
        # account, or which accounts have not chosen a password yet (they wait for a 设置密码 link).
        check_password_hash(_dummy_hash(), password)
        if user is None:
            return None
    elif user.is_active and user.check_password(password):
        _give_back(attempt.keys)
        record_event(
            "login", now=now, actor=user, object_type="user", object_id=user.id, remote_addr=attempt.remote_addr
        )
        return user
    record_event(
        "login_failed",
        now=now,
        object_type="user",
        object_id=user.id,
        after={"email": attempt.email},
        remote_addr=attempt.remote_addr,
    )
    return None


def authenticate(email: str, password: str, *, now: datetime, remote_addr: str | None) -> User | None:
    """:func:`reserve_attempt` then :func:`check_attempt`, in one transaction (for the CLI and
    tests; the sign-in page commits between the two)."""
    return check_attempt(reserve_attempt(email, now=now, remote_addr=remote_addr), password, now=now)


def sign_out(user: User, *, now: datetime, remote_addr: str | None) -> None:
    """End the user's sessions on the server: a new session token makes every cookie issued
    before it (this one, a copied one, remember-me on another device) sign in nobody."""
    user.session_token = secrets.token_hex(16)
    record_event("logout", now=now, actor=user, object_type="user", object_id=user.id, remote_addr=remote_addr)


def count_attempt(key: str, now: datetime) -> tuple[int, datetime]:
    """Add one attempt to ``key``'s window, starting a new window when the old one has passed;
    returns (attempts in the window, its start). One statement, so it is atomic."""
    expired = SignInCounter.window_start <= sa.bindparam("cutoff", now - FAILURE_WINDOW, type_=UTCDateTime)
    started = sa.bindparam("now", now, type_=UTCDateTime)
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(SignInCounter)
        .values(key=key, failures=1, window_start=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": sa.case((expired, 1), else_=SignInCounter.failures + 1),
                "window_start": sa.case((expired, started), else_=SignInCounter.window_start),
            },
        )
        .returning(SignInCounter.failures, SignInCounter.window_start)
    )
    attempts, window_start = db.session.execute(statement).one()
    return attempts, window_start


def _give_back(keys: tuple[str, ...]) -> None:
    # One row at a time, in the order they were counted (pair, then address), as every attempt
    # takes them: two transactions taking the same two rows in opposite orders would deadlock.
    for key in keys:
        db.session.execute(
            sa.update(SignInCounter)
            .where(SignInCounter.key == key, SignInCounter.failures > 0)
            .values(failures=SignInCounter.failures - 1)
            .execution_options(synchronize_session=False)
        )


def purge_sign_in_counters(now: datetime) -> int:
    """Delete the counters of windows long gone (run by the scheduler, not during a sign-in, so
    that a sign-in touches no row but its own two). Returns how many went."""
    result = db.session.execute(
        sa.delete(SignInCounter)
        .where(SignInCounter.window_start < now - 2 * FAILURE_WINDOW)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password of anyone", method="scrypt")
