"""The monitoring dashboard: the legal office and leaders see every department; a head sees the
tasks of their own department."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from tracker.clock import local_today, utcnow
from tracker.policy import Action, can, require
from tracker.services import dashboard, deadlines, doctor
from tracker.services.workdays import WorkCalendar
from tracker.views import charts

bp = Blueprint("dashboard", __name__)

DEFAULT_RANKING = "overdue"
TOP_OVERDUE_DEPARTMENTS = 10
DEPARTMENT_ROWS = 30  # rows of the ranking shown until "all" is asked for (a province has hundreds)
PROBLEM_TASK_LINKS = 10  # tasks linked under each problem; `flask doctor --json` lists them all


@bp.route("/dashboard")
@login_required
def index() -> str:
    require(current_user, Action.VIEW_DASHBOARD)
    today = local_today()
    calendar = WorkCalendar.load()
    ranking = request.args.get("sort", DEFAULT_RANKING)
    if ranking not in dashboard.DEPARTMENT_SORTS:
        ranking = DEFAULT_RANKING
    ascending = request.args.get("dir") == "asc"
    within = request.args.get("within", type=int) or deadlines.due_soon_workdays()
    within = min(max(within, 1), 60)
    show_all = request.args.get("all") == "1"

    overview = dashboard.overview(current_user, today, calendar)
    overdue, due_soon = dashboard.watch_lists(current_user, today, calendar, within)
    standing_of = deadlines.standings([*overdue, *due_soon], today, calendar)
    done_in_chart = sum(number for _, number in overview.monthly_done)
    # Tasks not yet assigned have no department: counted apart, never ranked as one.
    departments = [g for g in overview.departments if g.id is not None]
    unassigned = next((g for g in overview.departments if g.id is None), None)
    by_overdue = dashboard.rank([g for g in departments if g.tally.overdue], "overdue")
    ranked = dashboard.rank(departments, ranking, descending=not ascending)
    return render_template(
        "dashboard/index.html",
        problems=doctor.diagnose(utcnow()) if can(current_user, Action.SEE_PROBLEMS) else [],
        problem_task_links=PROBLEM_TASK_LINKS,
        severity_names=doctor.SEVERITY_NAMES,
        overview=overview,
        departments=ranked if show_all else ranked[:DEPARTMENT_ROWS],
        department_count=len(ranked),
        unassigned=unassigned,
        show_all=show_all,
        ranking=ranking,
        ascending=ascending,
        overdue=overdue,
        due_soon=due_soon,
        due_soon_until=deadlines.due_soon_until(today, calendar, within),
        within=within,
        standing_of=standing_of,
        activity=dashboard.recent_activity(current_user),
        completion_chart=charts.completion_chart(
            overview.monthly_done, overview.total.done - done_in_chart, overview.total.tasks
        ),
        overdue_chart=charts.bar_chart([(g.name, g.tally.overdue) for g in by_overdue[:TOP_OVERDUE_DEPARTMENTS]]),
        list_limit=dashboard.LIST_LIMIT,
    )
