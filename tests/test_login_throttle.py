"""Sign-in throttling: per (account, address) pair and per address, counted atomically, so that
nobody can lock someone else out and parallel guesses get no more tries than the limit."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import PASSWORD, login
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import AuditEvent, SignInCounter
from tracker.services.accounts import (
    FAILURE_WINDOW,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_PAIR,
    SignInThrottled,
    authenticate,
    check_attempt,
    reserve_attempt,
)

NOW = factories.FROZEN_NOW
MINUTE = timedelta(minutes=1)
ALICE = "alice@example.gov.cn"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture
def people(ctx):
    return factories.make_personas()


def _fail(email, at, addr=HOME, times=1):
    """Sign in with a wrong password ``times`` times, a minute apart from ``at`` on."""
    for n in range(times):
        assert authenticate(email, "wrong password", now=at + n * MINUTE, remote_addr=addr) is None


def _failed_from(addr, count, at):
    """``count`` failed attempts from ``addr`` for other emails, as the address counter holds them."""
    db.session.add(SignInCounter(key=f"address:{addr}", failures=count, window_start=at))
    db.session.flush()


def test_it_refuses_the_right_password_from_the_same_address_after_five_failures(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_PAIR)  # NOW .. NOW+4min
    with pytest.raises(SignInThrottled) as refused:
        authenticate(ALICE, PASSWORD, now=NOW + 5 * MINUTE, remote_addr=HOME)
    assert refused.value.message == "该账号的登录失败次数过多，已暂停登录。请 10 分钟后再试。"


def test_nobody_can_lock_an_account_out_from_another_address(people):
    _fail(ALICE, NOW, addr="203.0.113.9", times=MAX_FAILURES_PER_PAIR)
    for minute in range(5, 9):
        with pytest.raises(SignInThrottled):
            authenticate(ALICE, "guess", now=NOW + minute * MINUTE, remote_addr="203.0.113.9")
    assert authenticate(ALICE, PASSWORD, now=NOW + 9 * MINUTE, remote_addr=HOME) == people.alice


def test_it_audits_the_first_refusal_of_a_window_only(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_PAIR)
    for minute in range(5, 9):
        with pytest.raises(SignInThrottled):
            authenticate(ALICE, PASSWORD, now=NOW + minute * MINUTE, remote_addr=HOME)
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login_failed"] * MAX_FAILURES_PER_PAIR + ["login_throttled"]


def test_it_writes_no_audit_row_for_an_unknown_email(people):
    _fail("nobody@example.gov.cn", NOW, times=MAX_FAILURES_PER_PAIR)
    with pytest.raises(SignInThrottled) as refused:
        authenticate("nobody@example.gov.cn", "x", now=NOW + 5 * MINUTE, remote_addr=HOME)
    # The same message as for an account, so it reveals nothing; only the refusal is audited.
    assert refused.value.message == "该账号的登录失败次数过多，已暂停登录。请 10 分钟后再试。"
    assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["login_throttled"]


def test_it_lets_four_failures_pass_and_a_success_gives_its_attempt_back(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_PAIR - 1)
    for minute in range(5, 15):  # signing in often is no failure
        assert authenticate(ALICE, PASSWORD, now=NOW + minute * MINUTE, remote_addr=HOME) == people.alice


def test_it_lets_the_pair_in_again_once_the_window_has_passed(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_PAIR)
    with pytest.raises(SignInThrottled):
        authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW - timedelta(seconds=1), remote_addr=HOME)
    assert authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW, remote_addr=HOME) == people.alice


def test_it_matches_the_email_whatever_its_case(people):
    for n, email in enumerate(["ALICE@example.gov.cn", " Alice@Example.gov.cn ", ALICE, "alice@EXAMPLE.gov.cn", ALICE]):
        _fail(email, NOW + n * MINUTE)
    with pytest.raises(SignInThrottled):
        authenticate(ALICE, PASSWORD, now=NOW + 6 * MINUTE, remote_addr=HOME)


def test_it_refuses_an_address_past_its_limit_for_any_account_but_not_others(people):
    _failed_from(HOME, MAX_FAILURES_PER_ADDRESS, NOW)
    with pytest.raises(SignInThrottled) as refused:
        authenticate(ALICE, PASSWORD, now=NOW + 3 * MINUTE, remote_addr=HOME)
    assert refused.value.message == "来自您所在网络地址的登录失败次数过多，已暂停登录。请 12 分钟后再试。"
    assert authenticate(ALICE, PASSWORD, now=NOW + 3 * MINUTE, remote_addr=ELSEWHERE) == people.alice


def test_an_office_behind_one_address_survives_twenty_failures(people):
    _failed_from(HOME, 20, NOW)
    assert authenticate(ALICE, PASSWORD, now=NOW + MINUTE, remote_addr=HOME) == people.alice


def test_it_opens_the_address_again_once_the_window_has_passed(people):
    _failed_from(HOME, MAX_FAILURES_PER_ADDRESS, NOW)
    assert authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW, remote_addr=HOME) == people.alice


def test_parallel_guesses_get_no_more_tries_than_the_limit(app, personas):
    """Twelve guesses at once from one address: at most five passwords are checked."""
    checked: list[bool] = []
    refused: list[bool] = []
    start = threading.Barrier(12)

    def guess() -> None:
        with app.app_context():
            start.wait()
            try:
                attempt = reserve_attempt(ALICE, now=utcnow(), remote_addr=HOME)
                db.session.commit()
            except SignInThrottled:
                db.session.commit()
                refused.append(True)
                return
            except sa.exc.OperationalError:  # SQLite: a writer busy past the timeout counts as refused
                db.session.rollback()
                refused.append(True)
                return
            checked.append(check_attempt(attempt, "wrong password", now=utcnow()) is None)
            db.session.commit()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(checked) <= MAX_FAILURES_PER_PAIR and len(checked) + len(refused) == 12


def test_it_shows_the_wait_on_the_sign_in_page_and_keeps_the_visitor_out(app, client, personas):
    with app.app_context():
        db.session.add(
            SignInCounter(key=f"pair:{ALICE}|127.0.0.1", failures=MAX_FAILURES_PER_PAIR, window_start=utcnow() - MINUTE)
        )
        db.session.commit()
    response = login(client, ALICE)  # the right password
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "该账号的登录失败次数过多，已暂停登录。请 14 分钟后再试。" in page
    assert "登录系统" in client.get("/").get_data(as_text=True)  # still a visitor
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "login_throttled"


def test_the_scheduler_forgets_counters_of_windows_long_gone(app, personas):
    from tracker.scheduler import SchedulerLock, tidy_up

    with app.app_context():
        db.session.add(SignInCounter(key="address:192.0.2.1", failures=3, window_start=NOW - 3 * FAILURE_WINDOW))
        db.session.add(SignInCounter(key="address:192.0.2.2", failures=3, window_start=NOW))
        db.session.commit()
    lock = SchedulerLock(app)
    try:
        assert tidy_up(app, lock, now=NOW) == 1
    finally:
        lock.release()
    with app.app_context():
        assert db.session.scalars(sa.select(SignInCounter.key)).all() == ["address:192.0.2.2"]
