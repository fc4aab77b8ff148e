"""The secret iCalendar feed of a user's deadlines, and the account buttons that issue or revoke it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.services import ical_feed
from tracker.views.people_forms import CalendarFeedForm

bp = Blueprint("ical_feed", __name__)


@bp.get("/feed/<token>.ics")
def feed(token: str) -> Response:
    """No sign-in: the token in the address is the credential. Aborts 404, never 403, for an
    unknown or revoked token or a deactivated user, so that a guess learns nothing."""
    user = ical_feed.user_for_token(token)
    if user is None:
        abort(404)
    # Calendar clients send no cookie and rarely a language: write the feed in its owner's.
    with force_locale(user.locale):
        body = ical_feed.feed_for(user, local_today())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/account/calendar-feed")
@login_required
def issue() -> Response:
    """Issue a feed address, or replace the current one (which then stops working)."""
    if not CalendarFeedForm().validate_on_submit():
        abort(400)
    reissued = current_user.calendar_token is not None
    ical_feed.issue_feed(current_user, utcnow())
    db.session.commit()
    if reissued:
        flash(_("已重新生成日历订阅地址，原地址已失效。"), "success")
    else:
        flash(_("日历订阅地址已生成。"), "success")
    return redirect(url_for("account.settings"))


@bp.post("/account/calendar-feed/revoke")
@login_required
def revoke() -> Response:
    if not CalendarFeedForm().validate_on_submit():
        abort(400)
    if ical_feed.revoke_feed(current_user, utcnow()):
        db.session.commit()
        flash(_("日历订阅地址已停用，已订阅的日历将不再更新。"), "success")
    else:
        flash(_("尚未生成日历订阅地址。"), "info")
    return redirect(url_for("account.settings"))
