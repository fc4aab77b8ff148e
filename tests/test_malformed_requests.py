"""Malformed requests get 4xx, never 500: ids past what a column holds, NUL bytes and line breaks
in any parameter, on every GET route, signed in as the legal office and as a head."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login
from tests.factories import make_task

HUGE = 2**63 + 5
NUL = "a%00b"
ROLES = ["alice@example.gov.cn", "bob@example.gov.cn"]


def every_get_route(app, value: str, *, with_arguments: bool = False) -> list[str]:
    """Each GET route (or only those taking arguments), its arguments filled with ``value``."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if with_arguments and not rule.arguments:
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
        urls.append(path)
    return urls


@pytest.mark.parametrize("who", ROLES)
def test_ids_past_the_columns_range_are_not_found(app, client, personas, who):
    login(client, who)
    for url in every_get_route(app, str(HUGE), with_arguments=True):
        assert client.get(url).status_code in {302, 400, 403, 404}, url


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(
    "query",
    [
        f"department={HUGE}&assignee={HUGE}&report={HUGE}&task={HUGE}&within={HUGE}&page={HUGE}",
        f"q={NUL}&status={NUL}&department={NUL}&recipient={NUL}&date={NUL}&structure={NUL}",
        "q=%0d%0aX-Injected:%201&next=/tasks%0d%0aX:1&from=-1&to=abc&page=-3",
        "deadline_from=2026-99-99&deadline_to=%ff%fe&sort=%00",
    ],
)
def test_no_get_route_answers_500_to_malformed_parameters(app, client, personas, who, query):
    with app.app_context():
        make_task()
    login(client, who)
    for url in every_get_route(app, "1"):
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, response.status_code)


def test_a_nul_byte_in_a_form_is_refused_with_400(client, personas):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "alice@example.gov.cn\x00", "password": "x", "csrf_token": token})
    assert response.status_code == 400 and "请求无效" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_task_form_is_refused_with_400(app, client, personas):
    with app.app_context():
        task_id = make_task(lead_department_id=personas.bob_dept.id).id
        from tracker.extensions import db

        db.session.commit()
    login(client, "alice@example.gov.cn")
    token = csrf_token(client, f"/tasks/{task_id}")
    response = client.post(f"/tasks/{task_id}/urge", data={"message": "快\x00点", "csrf_token": token})
    assert response.status_code == 400


def test_a_print_view_names_only_people_the_reader_may_see(app, client, personas):
    login(client, "bob@example.gov.cn")  # a head of 交警支队
    page = client.get(f"/tasks/print?assignee={personas.dave.id}&department={personas.dave_dept.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "治安赵" not in text and "治安支队" not in text
    own = client.get(f"/tasks/print?assignee={personas.carol.id}").get_data(as_text=True)
    assert "交警李" in own
