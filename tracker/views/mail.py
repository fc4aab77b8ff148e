"""The mail pages: the outbox for the legal office, and each user's own notifications.

The outbox (list, a message as sent, retry) is for :attr:`Action.MANAGE_MAIL` only; the guard
below runs before every route except the user's own notifications (:data:`EVERY_USER`), so a new
route cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Notification, NotificationStatus, Task, User
from tracker.policy import Action
from tracker.services.mail import outbox, sender
from tracker.services.mail.catalogue import SIGN_IN_LINK_KINDS
from tracker.views import mail_forms as forms
from tracker.views.guards import guard_blueprint
from tracker.views.steps import INVALID_INPUT

bp = Blueprint("mail", __name__)

MAILS_PER_PAGE = 50
EVERY_USER = frozenset({"mail.mine", "mail.mine_detail"})  # endpoints open to every signed-in user


def _mail_action() -> Action | None:
    """The outbox is the legal office's and the administrator's; a user's own notifications are theirs."""
    return None if request.endpoint in EVERY_USER else Action.MANAGE_MAIL


guard_blueprint(bp, _mail_action)


def unread_mail_count() -> int:
    """How many of the signed-in user's notifications are unread (0 when nobody is signed in)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_mail_count" not in g:
        g.unread_mail_count = (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Notification).where(_own(), Notification.read_at.is_(None))
            )
            or 0
        )
    return g.unread_mail_count


def _own() -> sa.ColumnElement[bool]:
    """The signed-in user's notifications; voided ones (cancelled reminders) are not shown."""
    return sa.and_(Notification.recipient_id == current_user.id, Notification.status != NotificationStatus.CANCELLED)


def load_notification(notification_id: int) -> Notification:
    """Any mail, for the outbox pages (the guard has checked the role); aborts 404 when there is none."""
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        abort(404)
    return notification


def load_own_notification(notification_id: int) -> Notification:
    """One of the signed-in user's notifications; aborts 404 for any other, whoever it is for."""
    notification = db.session.scalar(sa.select(Notification).where(Notification.id == notification_id, _own()))
    if notification is None:
        abort(404)
    return notification


# --- the outbox ----------------------------------------------------------------------------------------


@bp.route("/")
def index() -> str:
    """The outbox, newest first, filtered by status, kind, recipient (address or name) and task
    (its own mails and the day lists that carried it)."""
    form = forms.FilterForm(request.args)
    filters = form.values()
    page = db.paginate(outbox.search(**filters), per_page=MAILS_PER_PAGE, error_out=False)
    return render_template(
        "mail/index.html",
        page=page,
        form=form,
        filters=filters,
        counts=outbox.counts_by_status(),
        statuses=list(NotificationStatus),
        titles=_task_titles(n.task_id for n in page.items),
        names=_recipient_names(n.recipient_id for n in page.items),
        retry_form=forms.RetryForm(formdata=None),
    )


@bp.route("/<int:notification_id>")
def detail(notification_id: int) -> str:
    """One mail as it is (or would be) sent: headers, the text part, the HTML part, the source
    (for a mail holding a one-time sign-in link, the headers only)."""
    notification = load_notification(notification_id)
    message = _as_sent(notification)
    if (withheld := _withheld_body(notification)) is not None:
        message = SentMessage(headers=message.headers, text=withheld, html=withheld, source=withheld)
    return render_template(
        "mail/detail.html",
        notification=notification,
        message=message,
        title=_task_titles([notification.task_id]).get(notification.task_id),
        retry_form=forms.RetryForm(formdata=None),
    )


@bp.post("/<int:notification_id>/retry")
def retry(notification_id: int) -> Response:
    notification = load_notification(notification_id)
    if not forms.RetryForm().validate_on_submit():
        flash(_(INVALID_INPUT), "error")
        return redirect(url_for("mail.detail", notification_id=notification.id))
    try:
        sender.retry(notification, current_user, utcnow())
    except sender.MailError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("mail.detail", notification_id=notification_id))
    db.session.commit()
    flash(_("邮件已放回发送队列，将在下一次发送时重新投递。"), "success")
    return redirect(url_for("mail.detail", notification_id=notification.id))


# --- the user's own notifications ----------------------------------------------------------------------


@bp.route("/mine")
def mine() -> str:
    """我的通知: the signed-in user's notifications, newest first, unread ones marked."""
    page = db.paginate(
        sa.select(Notification).where(_own()).order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=MAILS_PER_PAGE,
        error_out=False,
    )
    return render_template("mail/mine.html", page=page)


@bp.route("/mine/<int:notification_id>")
def mine_detail(notification_id: int) -> str:
    """One of the user's notifications; opening it marks it read."""
    notification = load_own_notification(notification_id)
    if notification.read_at is None:
        # A read receipt, not an action: recorded on the first opening, like a mail client.
        notification.read_at = utcnow()
        db.session.commit()
    return render_template(
        "mail/mine_detail.html",
        notification=notification,
        body=_withheld_body(notification) or notification.body_text,
        title=_task_titles([notification.task_id]).get(notification.task_id),
    )


def _withheld_body(notification: Notification) -> str | None:
    """What the pages show instead of a mail's body when it holds a one-time sign-in link (it
    opens the account: it goes to the recipient's mailbox only, not even to their own 通知, which
    whoever holds their session could read); None for any other mail, and for one recorded with
    no mail server configured (the demo): then this page is the only copy there is."""
    if notification.kind not in SIGN_IN_LINK_KINDS or notification.status == NotificationStatus.RECORDED:
        return None
    return _(
        "此邮件含一次性登录链接，只发往收件人的邮箱，不在系统中显示。"
        "如未收到，可在登录页点击“忘记密码”，或请系统管理员重新发送。"
    )


# --- helpers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentMessage:
    """A mail as sent, taken apart for the page."""

    headers: list[tuple[str, str]]
    text: str
    html: str
    source: str


def _as_sent(notification: Notification) -> SentMessage:
    message: EmailMessage = sender.build_message(notification, current_app.config)
    text_part, html_part = message.get_body(("plain",)), message.get_body(("html",))
    return SentMessage(
        headers=[(name, str(value)) for name, value in message.items()],
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        source=message.as_bytes().decode("ascii", "replace"),
    )


def _task_titles(task_ids: Any) -> dict[int, str]:
    wanted = {task_id for task_id in task_ids if task_id}
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(Task.id, Task.title).where(Task.id.in_(wanted))).tuples().all())


def _recipient_names(user_ids: Any) -> dict[int, str]:
    wanted = {user_id for user_id in user_ids if user_id}
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).tuples().all())
