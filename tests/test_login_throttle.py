"""Sign-in throttling: per account and per address, counted from the audit trail."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import PASSWORD, login
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.services.accounts import (
    FAILURE_WINDOW,
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    SignInThrottled,
    authenticate,
)
from tracker.services.audit import record_event

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


def _failed_elsewhere(count, at, addr):
    """``count`` failures from ``addr`` for unknown emails, as the service records them (faster than hashing)."""
    for n in range(count):
        record_event(
            "login_failed", now=at, object_type="user", after={"email": f"guess{n}@example.com"}, remote_addr=addr
        )


def test_it_refuses_the_right_password_after_five_failures_and_says_how_long_to_wait(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_ACCOUNT)  # NOW .. NOW+4min
    with pytest.raises(SignInThrottled) as refused:
        authenticate(ALICE, PASSWORD, now=NOW + 5 * MINUTE, remote_addr=HOME)
    assert refused.value.minutes == 10  # the first failure leaves the window at NOW+15min
    assert refused.value.message == "该账号的登录失败次数过多，已暂停登录。请 10 分钟后再试。"


def test_it_audits_a_refused_attempt_as_throttled_not_as_a_failure(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_ACCOUNT)
    with pytest.raises(SignInThrottled):
        authenticate(ALICE, PASSWORD, now=NOW + 5 * MINUTE, remote_addr=HOME)
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.object_id, last.remote_addr) == ("login_throttled", people.alice.id, HOME)
    assert last.after["email"] == ALICE


def test_it_lets_four_failures_pass(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_ACCOUNT - 1)
    assert authenticate(ALICE, PASSWORD, now=NOW + 5 * MINUTE, remote_addr=HOME) == people.alice


def test_it_lets_the_account_in_again_once_the_window_has_passed(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_ACCOUNT)
    with pytest.raises(SignInThrottled) as refused:
        authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW - timedelta(seconds=1), remote_addr=HOME)
    assert refused.value.minutes == 1
    assert authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW, remote_addr=HOME) == people.alice


def test_it_does_not_extend_the_lock_for_attempts_it_refused(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_ACCOUNT)
    for minute in range(5, 15):
        with pytest.raises(SignInThrottled):
            authenticate(ALICE, "still guessing", now=NOW + minute * MINUTE, remote_addr=HOME)
    assert authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW, remote_addr=HOME) == people.alice


def test_it_locks_the_account_whatever_the_address_and_the_case_of_the_email(people):
    spellings = ["ALICE@example.gov.cn", " Alice@Example.gov.cn ", ALICE, "alice@EXAMPLE.gov.cn", ALICE]
    for n, email in enumerate(spellings):
        _fail(email, NOW + n * MINUTE, addr=f"10.0.1.{n}")
    with pytest.raises(SignInThrottled) as refused:
        authenticate(ALICE, PASSWORD, now=NOW + 6 * MINUTE, remote_addr=ELSEWHERE)
    assert "该账号" in refused.value.message


def test_it_leaves_other_accounts_alone(people):
    _fail(ALICE, NOW, times=MAX_FAILURES_PER_ACCOUNT)
    assert authenticate("bob@example.gov.cn", PASSWORD, now=NOW + 5 * MINUTE, remote_addr=ELSEWHERE) == people.bob


def test_it_throttles_an_unknown_email_too_so_the_message_reveals_no_account(people):
    _fail("nobody@example.gov.cn", NOW, times=MAX_FAILURES_PER_ACCOUNT)
    with pytest.raises(SignInThrottled) as refused:
        authenticate("nobody@example.gov.cn", "x", now=NOW + 5 * MINUTE, remote_addr=HOME)
    assert refused.value.message == "该账号的登录失败次数过多，已暂停登录。请 10 分钟后再试。"


def test_it_ignores_failures_older_than_the_window(people):
    _fail(ALICE, NOW - FAILURE_WINDOW - 10 * MINUTE, times=MAX_FAILURES_PER_ACCOUNT)
    assert authenticate(ALICE, PASSWORD, now=NOW, remote_addr=HOME) == people.alice


def test_it_refuses_an_address_after_twenty_failures_for_any_accounts(people):
    _failed_elsewhere(MAX_FAILURES_PER_ADDRESS, NOW, HOME)
    with pytest.raises(SignInThrottled) as refused:
        authenticate(ALICE, PASSWORD, now=NOW + 3 * MINUTE, remote_addr=HOME)
    assert refused.value.message == "来自您所在网络地址的登录失败次数过多，已暂停登录。请 12 分钟后再试。"
    assert authenticate(ALICE, PASSWORD, now=NOW + 3 * MINUTE, remote_addr=ELSEWHERE) == people.alice


def test_it_lets_an_address_with_nineteen_failures_try(people):
    _failed_elsewhere(MAX_FAILURES_PER_ADDRESS - 1, NOW, HOME)
    assert authenticate(ALICE, PASSWORD, now=NOW + MINUTE, remote_addr=HOME) == people.alice


def test_it_opens_the_address_again_once_the_window_has_passed(people):
    _failed_elsewhere(MAX_FAILURES_PER_ADDRESS, NOW, HOME)
    assert authenticate(ALICE, PASSWORD, now=NOW + FAILURE_WINDOW, remote_addr=HOME) == people.alice


def test_it_shows_the_wait_on_the_sign_in_page_and_keeps_the_visitor_out(app, client, personas):
    with app.app_context():
        for _ in range(MAX_FAILURES_PER_ACCOUNT):
            record_event(
                "login_failed",
                now=utcnow() - MINUTE,
                object_type="user",
                object_id=personas.alice.id,
                after={"email": ALICE},
                remote_addr="192.0.2.9",
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
