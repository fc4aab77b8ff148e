"""The administrator's pages: only frank (admin) may use them."""

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import count_queries, csrf_token, login
from tracker.extensions import db
from tracker.models import Department, Role, TaskState, User

NON_ADMINS = ["alice", "bob", "carol", "dave", "erin"]
# Every admin URL; {user} and {department} are filled with carol's and 交警支队's ids.
ADMIN_URLS = [
    ("GET", "/admin/"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user}/edit"),
    ("POST", "/admin/users/{user}/edit"),
    ("POST", "/admin/users/{user}/deactivate"),
    ("POST", "/admin/users/{user}/reactivate"),
    ("GET", "/admin/departments/new"),
    ("POST", "/admin/departments/new"),
    ("GET", "/admin/departments/{department}/edit"),
    ("POST", "/admin/departments/{department}/edit"),
    ("POST", "/admin/departments/{department}/deactivate"),
    ("POST", "/admin/departments/{department}/reactivate"),
]


def _url(template, personas):
    return template.format(user=personas.carol.id, department=personas.bob_dept.id)


def _as_frank(client, personas):
    login(client, personas.frank.email)
    return csrf_token(client, "/admin/")


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            db.session.refresh(user)
            _ = user.department
        return user


@pytest.mark.parametrize("persona", NON_ADMINS)
@pytest.mark.parametrize(("method", "url"), ADMIN_URLS)
def test_it_refuses_every_admin_page_to_everyone_but_the_administrator(app, client, personas, persona, method, url):
    login(client, getattr(personas, persona).email)
    data = {"csrf_token": csrf_token(client, "/account/"), "name": "改名", "email": "x@example.gov.cn", "role": "admin"}
    response = client.open(_url(url, personas), method=method, data=data if method == "POST" else None)
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.get_data(as_text=True)
    assert _user(app, "carol@example.gov.cn").is_active and _user(app, "x@example.gov.cn") is None


@pytest.mark.parametrize(("method", "url"), ADMIN_URLS)
def test_it_sends_a_visitor_to_sign_in(client, personas, method, url):
    response = client.open(_url(url, personas), method=method)
    if method == "POST":  # the CSRF check comes first, and a visitor has no token
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "请先登录" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_it_shows_the_nav_entry_only_to_the_administrator(client, personas):
    login(client, personas.alice.email)
    assert "系统管理" not in client.get("/account/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    login(client, personas.frank.email)
    assert '<a href="/admin/" class="nav-item">系统管理</a>' in client.get("/account/").get_data(as_text=True)


def test_it_lists_users_and_departments_with_roles_and_member_counts(client, personas):
    _as_frank(client, personas)
    page = client.get("/admin/").get_data(as_text=True)
    assert "用户（共 6 人）" in page and "部门（共 3 个）" in page
    for row in ["交警李", "carol@example.gov.cn", "工作人员", "系统管理员", "局领导"]:
        assert row in page
    assert "<td>交警支队</td>\n          <td>2</td>" in page


def test_it_creates_a_user_who_then_appears_in_the_list_and_can_sign_in(app, client, personas):
    token = _as_frank(client, personas)
    form = {
        "csrf_token": token,
        "email": "Wang@Example.gov.cn",
        "name": "王五",
        "role": "head",
        "department_id": str(personas.dave_dept.id),
        "password": "initial-pass",
        "confirm": "initial-pass",
    }
    page = client.post("/admin/users/new", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已添加用户“王五”（wang@example.gov.cn）。" in page
    assert "wang@example.gov.cn" in page and "部门负责人" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert login(client, "wang@example.gov.cn", "initial-pass").status_code == 302
    assert _user(app, "wang@example.gov.cn").department.name == "治安支队"
    # The password the administrator chose is changed before anything else.
    for path in ("/my", "/tasks", "/dashboard"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].endswith("/account/"), path
    settings = client.get("/account/").get_data(as_text=True)
    assert "您的密码是他人为您设置的初始密码。请先修改密码，然后即可使用系统。" in settings
    token = csrf_token(client, "/account/")
    refused = client.post("/account/language", data={"csrf_token": token, "locale": "en"})
    assert refused.status_code == 303 and _user(app, "wang@example.gov.cn").locale == "zh"
    changed = {
        "csrf_token": token,
        "current_password": "initial-pass",
        "new_password": "my-own-pass",
        "confirm": "my-own-pass",
    }
    client.post("/account/password", data=changed)
    assert not _user(app, "wang@example.gov.cn").must_change_password
    assert client.get("/my").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "CAROL@example.gov.cn"}, "邮箱 carol@example.gov.cn 已被其他用户使用。"),
        ({"department_id": "0"}, "部门负责人和工作人员必须选择所在部门。"),
        ({"confirm": "different"}, "两次输入的密码不一致。"),
        ({"password": "short", "confirm": "short"}, "密码长度应为 8 至 200 个字符。"),
        ({"role": "superuser"}, "请从列表中选择角色。"),
        ({"department_id": "99999"}, "请从列表中选择所在部门。"),
        ({"email": "no-at-sign"}, "邮箱格式不正确。"),
    ],
)
def test_it_refuses_a_new_user_that_breaks_a_rule_and_says_which(app, client, personas, changes, message):
    token = _as_frank(client, personas)
    form = {
        "csrf_token": token,
        "email": "new@example.gov.cn",
        "name": "新人",
        "role": "staff",
        "department_id": str(personas.bob_dept.id),
        "password": "initial-pass",
        "confirm": "initial-pass",
        **changes,
    }
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 6


def test_it_refuses_a_post_without_the_csrf_token(app, client, personas):
    _as_frank(client, personas)
    form = {"email": "new@example.gov.cn", "name": "新人", "role": "legal", "department_id": "0",
            "password": "initial-pass", "confirm": "initial-pass"}  # fmt: skip
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 400
    assert "表单已过期或来源无效" in response.get_data(as_text=True)
    assert _user(app, "new@example.gov.cn") is None
    response = client.post(f"/admin/users/{personas.carol.id}/deactivate")
    assert response.status_code == 400 and _user(app, "carol@example.gov.cn").is_active


def test_it_shows_the_edit_form_filled_in(client, personas):
    _as_frank(client, personas)
    page = client.get(f"/admin/users/{personas.carol.id}/edit").get_data(as_text=True)
    assert "编辑用户：交警李" in page and 'value="carol@example.gov.cn"' in page
    assert f'<option selected value="{personas.bob_dept.id}">交警支队</option>' in page
    assert '<option selected value="staff">工作人员</option>' in page


def test_it_edits_a_user_and_resets_the_password(app, client, personas):
    token = _as_frank(client, personas)
    form = {
        "csrf_token": token,
        "email": "carol@example.gov.cn",
        "name": "李警官",
        "role": "head",
        "department_id": str(personas.dave_dept.id),
        "new_password": "reset-by-admin",
        "confirm": "reset-by-admin",
    }
    page = client.post(f"/admin/users/{personas.carol.id}/edit", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert "已保存用户“李警官”。" in page
    carol = _user(app, "carol@example.gov.cn")
    assert (carol.name, carol.role, carol.department.name) == ("李警官", Role.HEAD, "治安支队")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert login(client, "carol@example.gov.cn", "reset-by-admin").status_code == 302
    assert carol.must_change_password and client.get("/my").status_code == 303


def test_it_says_so_when_an_edit_changes_nothing(client, personas):
    token = _as_frank(client, personas)
    form = {"csrf_token": token, "email": "carol@example.gov.cn", "name": "交警李", "role": "staff",
            "department_id": str(personas.bob_dept.id)}  # fmt: skip
    page = client.post(f"/admin/users/{personas.carol.id}/edit", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert "没有需要保存的修改。" in page


def test_it_deactivates_a_user_who_then_cannot_sign_in(client, personas):
    token = _as_frank(client, personas)
    page = client.post(
        f"/admin/users/{personas.carol.id}/deactivate", data={"csrf_token": token}, follow_redirects=True
    )
    assert "已停用用户“交警李”，该用户将无法登录。" in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    assert "邮箱或密码不正确" in login(client, "carol@example.gov.cn", follow=True).get_data(as_text=True)


def test_it_reactivates_a_user(app, client, personas):
    token = _as_frank(client, personas)
    client.post(f"/admin/users/{personas.carol.id}/deactivate", data={"csrf_token": token})
    page = client.post(
        f"/admin/users/{personas.carol.id}/reactivate", data={"csrf_token": token}, follow_redirects=True
    )
    assert "已启用用户“交警李”。" in page.get_data(as_text=True)
    assert _user(app, "carol@example.gov.cn").is_active


def test_it_refuses_to_let_the_administrator_deactivate_themselves(app, client, personas):
    token = _as_frank(client, personas)
    page = client.post(
        f"/admin/users/{personas.frank.id}/deactivate", data={"csrf_token": token}, follow_redirects=True
    )
    assert "不能停用自己的账号。" in page.get_data(as_text=True)
    assert _user(app, "frank@example.gov.cn").is_active


def test_it_answers_404_for_a_user_that_does_not_exist(client, personas):
    _as_frank(client, personas)
    response = client.get("/admin/users/99999/edit")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_it_creates_and_renames_a_department(app, client, personas):
    token = _as_frank(client, personas)
    page = client.post("/admin/departments/new", data={"csrf_token": token, "name": "网安支队"}, follow_redirects=True)
    assert "已添加部门“网安支队”。" in page.get_data(as_text=True)
    with app.app_context():
        department_id = db.session.scalar(sa.select(Department.id).where(Department.name == "网安支队"))
    page = client.post(
        f"/admin/departments/{department_id}/edit",
        data={"csrf_token": token, "name": "网络安全保卫支队"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存部门“网络安全保卫支队”。" in page and "<td>网络安全保卫支队</td>" in page


def test_it_refuses_a_duplicate_department_name(client, personas):
    token = _as_frank(client, personas)
    response = client.post("/admin/departments/new", data={"csrf_token": token, "name": "交警支队"})
    assert "已有名为“交警支队”的部门。" in response.get_data(as_text=True)


def test_it_refuses_to_deactivate_a_department_with_members_and_says_why(app, client, personas):
    token = _as_frank(client, personas)
    url = f"/admin/departments/{personas.bob_dept.id}/deactivate"
    page = client.post(url, data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "部门“交警支队”不能停用：还有 2 名启用的人员（请先将其停用或调往其他部门）。" in page
    with app.app_context():
        assert db.session.get(Department, personas.bob_dept.id).is_active


def test_it_deactivates_an_empty_department_and_no_longer_offers_it(app, client, personas):
    with app.app_context():
        empty_id = factories.make_department(name="空科室").id
        db.session.commit()
    token = _as_frank(client, personas)
    url = f"/admin/departments/{empty_id}/deactivate"
    page = client.post(url, data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "已停用部门“空科室”。" in page
    assert "空科室" not in client.get("/admin/users/new").get_data(as_text=True)


def test_it_signs_a_deactivated_user_out_of_a_session_already_open(app, personas):
    carol, frank = app.test_client(), app.test_client()
    login(carol, "carol@example.gov.cn")
    assert carol.get("/account/").status_code == 200
    token = _as_frank(frank, personas)
    frank.post(f"/admin/users/{personas.carol.id}/deactivate", data={"csrf_token": token})
    response = carol.get("/account/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_it_pages_the_user_list_with_the_same_few_queries_per_page(app, client, personas):
    with app.app_context():
        for _ in range(60):
            factories.make_user(Role.STAFF, department_id=personas.bob_dept.id)
        db.session.commit()
    _as_frank(client, personas)
    with count_queries(app) as first:
        page = client.get("/admin/").get_data(as_text=True)
    assert "用户（共 66 人）" in page and "第 1 / 2 页" in page and "下一页" in page
    with count_queries(app) as second:
        page = client.get("/admin/?page=2").get_data(as_text=True)
    assert "第 2 / 2 页" in page and "上一页" in page
    # The departments' heads are one more query, and the reminder rules another: the badge of
    # 我的待办 counts the assignments past the time to acknowledge, which the rules set.
    assert len(first) == len(second) <= 10, first


def test_it_offers_the_least_powerful_role_by_default(client, personas):
    _as_frank(client, personas)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option selected value="staff">工作人员</option>' in page


def _departments_section(page: str) -> str:
    return page.split("部门（共")[1]


def _row(section: str, name: str) -> str:
    return section.split(f"<td>{name}</td>")[1].split("</tr>")[0]


def test_it_lists_each_departments_heads_and_marks_one_without(app, client, personas):
    with app.app_context():
        factories.make_user(Role.HEAD, name="治安钱", department_id=personas.dave_dept.id)
        factories.make_user(Role.HEAD, name="交警孙", department_id=personas.bob_dept.id, is_active=False)
        db.session.commit()
    _as_frank(client, personas)
    departments = _departments_section(client.get("/admin/").get_data(as_text=True))
    assert "交警张" in _row(departments, "交警支队") and "交警孙" not in _row(departments, "交警支队")
    assert "治安赵、治安钱" in _row(departments, "治安支队")
    assert "无负责人" in _row(departments, "法制支队") and "无负责人" not in _row(departments, "交警支队")


def test_it_finds_the_heads_of_all_departments_in_one_query(app, client, personas):
    _as_frank(client, personas)
    with count_queries(app) as few:
        client.get("/admin/")
    with app.app_context():
        for n in range(10):
            department = factories.make_department(name=f"分局{n}")
            factories.make_user(Role.HEAD, department_id=department.id)
        db.session.commit()
    with count_queries(app) as many:
        page = client.get("/admin/").get_data(as_text=True)
    assert "部门（共 13 个）" in page
    assert len(many) == len(few)


HEADLESS_WARNING = "交警支队已没有在岗的部门负责人，其牵头的 2 项未办结任务需由法制部门代为办理或另行指定负责人。"


def _bob_leads_two_open_tasks(app, personas):
    with app.app_context():
        for state in (TaskState.IN_PROGRESS, TaskState.CLOSURE_PENDING, TaskState.DONE):
            factories.make_task(lead_department_id=personas.bob_dept.id, state=state)
        db.session.commit()


def test_it_warns_when_deactivating_the_last_head_of_a_department_with_open_tasks(app, client, personas):
    _bob_leads_two_open_tasks(app, personas)
    token = _as_frank(client, personas)
    page = client.post(
        f"/admin/users/{personas.bob.id}/deactivate", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已停用用户“交警张”，该用户将无法登录。" in page
    assert f'<p class="flash flash-warning" role="alert">{HEADLESS_WARNING}</p>' in page
    assert not _user(app, "bob@example.gov.cn").is_active
    assert "无负责人" in _row(_departments_section(page), "交警支队")


@pytest.mark.parametrize(
    "change", [{"role": "staff"}, {"department_id": "dave"}], ids=["role changed", "moved to another department"]
)
def test_it_warns_when_an_edit_takes_the_last_head_away(app, client, personas, change):
    _bob_leads_two_open_tasks(app, personas)
    token = _as_frank(client, personas)
    form = {"csrf_token": token, "email": "bob@example.gov.cn", "name": "交警张", "role": "head",
            "department_id": str(personas.bob_dept.id), **change}  # fmt: skip
    if form["department_id"] == "dave":
        form["department_id"] = str(personas.dave_dept.id)
    page = client.post(f"/admin/users/{personas.bob.id}/edit", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已保存用户“交警张”。" in page and HEADLESS_WARNING in page


@pytest.mark.parametrize("who", ["carol", "another head"])
def test_it_does_not_warn_when_the_department_keeps_a_head(app, client, personas, who):
    _bob_leads_two_open_tasks(app, personas)
    user_id = personas.carol.id
    if who == "another head":
        with app.app_context():
            factories.make_user(Role.HEAD, department_id=personas.bob_dept.id)
            db.session.commit()
        user_id = personas.bob.id
    token = _as_frank(client, personas)
    page = client.post(f"/admin/users/{user_id}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "flash-warning" not in page.get_data(as_text=True)
