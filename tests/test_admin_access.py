"""Who may open what under /admin, and CSRF on every POST, both generated from the
app's URL map: a route added later is checked without anyone listing it here."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import (
    AuditEntry,
    CoHost,
    Event,
    Forum,
    MailMessage,
    ProgrammeSession,
    Registration,
    Role,
    Speaker,
    User,
)
from summit.registration import service as registration
from summit.registration.service import AttendeeDetails

from .test_auth import make_accounts, password_hash, sign_in_as

# Open to everyone: signing in and out.
PUBLIC = {"auth.login", "auth.logout"}
ALL_ROLES = frozenset(Role)
ORGANIZERS = frozenset({Role.ADMIN, Role.ORGANIZER})


def expected_roles(endpoint: str) -> frozenset[Role]:
    """The policy: the check-in desk (and the landing page that leads there) for every
    role, accounts for administrators, everything else for organizers and administrators."""
    if endpoint == "admin.index" or endpoint.startswith("admin.checkin"):
        return ALL_ROLES
    if endpoint.startswith("admin.account"):
        return frozenset({Role.ADMIN})
    return ORGANIZERS


def admin_rules(app) -> list:
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/admin") and rule.endpoint not in PUBLIC]
    assert len(rules) > 20  # the admin is there at all
    return sorted(rules, key=lambda rule: rule.rule)


def test_every_admin_view_declares_the_roles_the_policy_expects(app):
    for rule in admin_rules(app):
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "allowed_roles", None)
        assert declared is not None, f"{rule.rule} ({rule.endpoint}) has no role_required"
        assert declared == expected_roles(rule.endpoint), rule.endpoint


@pytest.fixture
def rows(app, demo_event) -> dict[str, object]:
    """A real row for every kind of id an admin URL takes."""
    with app.app_context():
        event = db.session.get(Event, demo_event)
        forum = db.session.scalars(select(Forum).where(Forum.slug == "chip-machine")).one()
        registered = registration.register(db.session, event, AttendeeDetails(
            full_name="王小明", email="wang@example.org", organisation="示例单位"),
            [forum.id], "http://summit.example").registration
        spare = User(email="spare@example.org", role=Role.ORGANIZER,
                     password_hash=password_hash("spare-password"))
        db.session.add(spare)
        db.session.commit()
        return {
            "co_host_id": db.session.scalars(select(CoHost.id)).first(),
            "forum_id": forum.id,
            "session_id": db.session.scalars(select(ProgrammeSession.id)).first(),
            "speaker_id": db.session.scalars(select(Speaker.id)).first(),
            "user_id": spare.id,
            "registration_id": registered.id,
            "mail_id": db.session.scalars(select(MailMessage.id)).first(),
            "token": registered.token,
            "key": registration.register_again_key(app.secret_key, registered),
            "slug": forum.slug,
            "event_slug": event.slug,
        }


def build_url(rule, rows: dict[str, object]) -> str:
    missing = set(rule.arguments) - set(rows)
    assert not missing, f"give {sorted(missing)} a real row in the rows fixture ({rule.rule})"
    return rule.build({name: rows[name] for name in rule.arguments}, append_unknown=False)[1]


def request_as(client, rule, url: str):
    """GET where the route answers GET; otherwise an empty POST."""
    return client.get(url) if "GET" in rule.methods else client.post(url, data={})


@pytest.mark.parametrize("role", [None, Role.CHECKIN, Role.ORGANIZER, Role.ADMIN],
                         ids=["anonymous", "checkin", "organizer", "admin"])
def test_every_admin_route_answers_each_role_as_its_view_declares(
    app, client, rows, monkeypatch, role
):
    make_accounts(app)
    if role is not None:
        sign_in_as(client, role)
    # The role check must be what answers, not the CSRF check (tested below).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    problems = []
    for rule in admin_rules(app):
        url = build_url(rule, rows)
        response = request_as(client, rule, url)
        allowed = app.view_functions[rule.endpoint].allowed_roles
        if role is None:
            ok = response.status_code == 302 and response.location.startswith(
                "/admin/login?next=")
        elif role not in allowed:
            ok = response.status_code == 403
        else:
            ok = response.status_code < 500 and response.status_code != 403 and not (
                response.location or "").startswith("/admin/login")
        if not ok:
            problems.append(f"{rule.endpoint} {url}: {response.status_code} {response.location}")
    assert problems == []


def test_each_role_lands_on_its_first_page(app, rows):
    """The dashboard for organizers (the programme until there is one), the desk for staff."""
    make_accounts(app)
    views = app.view_functions
    desk = "/admin/checkin" if "admin.checkin" in views else None
    start = "/admin/dashboard" if "admin.dashboard" in views else "/admin/sessions"
    for role, landing in ((Role.CHECKIN, desk), (Role.ORGANIZER, start), (Role.ADMIN, start)):
        client = app.test_client()
        sign_in_as(client, role)
        response = client.get("/admin/")
        if landing is None:
            assert response.status_code == 403
        else:
            assert (response.status_code, response.location) == (302, landing)


def test_navigation_shows_each_role_only_what_it_may_open(app, rows):
    make_accounts(app)
    for role in (Role.ORGANIZER, Role.ADMIN):
        client = app.test_client()
        sign_in_as(client, role)
        html = client.get("/admin/audit").get_data(as_text=True)
        assert ('href="/admin/accounts"' in html) == (role == Role.ADMIN)
        assert 'href="/admin/sessions"' in html and 'href="/admin/audit"' in html
    if "admin.checkin" in app.view_functions:
        client = app.test_client()
        sign_in_as(client, Role.CHECKIN)
        html = client.get("/admin/checkin").get_data(as_text=True)
        assert 'href="/admin/checkin"' in html
        assert 'href="/admin/sessions"' not in html and 'href="/admin/audit"' not in html


def post_routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods),
                  key=lambda rule: rule.rule)


def test_every_post_without_a_valid_csrf_token_is_refused(app, client, rows):
    make_accounts(app)
    sign_in_as(client, Role.ADMIN)
    with app.app_context():
        before = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (AuditEntry, Registration, MailMessage, Forum, ProgrammeSession)]
    routes = post_routes(app)
    assert {"auth.logout", "registration.register", "admin.session_edit"} <= {
        rule.endpoint for rule in routes}
    problems = []
    for rule in routes:
        url = build_url(rule, rows)
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            if response.status_code != 400:
                problems.append(f"{rule.endpoint} {data}: {response.status_code}")
    assert problems == []
    with app.app_context():
        after = [db.session.scalar(select(func.count()).select_from(model))
                 for model in (AuditEntry, Registration, MailMessage, Forum, ProgrammeSession)]
    assert after == before
    # Still signed in: the refused logout did not sign anyone out.
    assert client.get("/admin/audit").status_code == 200
