"""Whatever a visitor types into an address gets an answer below 500: ids beyond what the
database holds are 404 on every route, blank or odd filters are ignored, a bad address
to go back to is refused before anything is saved, and 429 says when to come back."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from summit.extensions import db
from summit.models import ProgrammeSession, QuestionKind, Registration, Role, Speaker
from summit.user_input import DatabaseIdConverter

from .conftest import rate_limited_app
from .helpers.accounts import sign_in, sign_in_with_the_form
from .helpers.admin_pages import ADMIN, SLUG
from .helpers.api import API, api_person, bearer, make_token
from .helpers.pages import CSRF_FIELD, DEMO, csrf_token, listed_names, page_text, post_form
from .helpers.questions import add_question, answers_of
from .helpers.registrations import count_registrations, post_registration, register

TOO_LARGE = [0, 2**31, 2**63, 2**64, 10**40]
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture
def admin(app, client, demo_event):
    sign_in(app, client, Role.ADMIN)
    return client


def id_routes(app) -> list[tuple[str, str]]:
    """(rule, method) for every route with a database id in its address."""
    routes = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, DatabaseIdConverter)
               for converter in rule._converters.values()):
            routes += [(rule.rule, method) for method in sorted(rule.methods - {"HEAD",
                                                                                 "OPTIONS"})]
    return routes


def address(rule: str, number: int) -> str:
    """``rule`` with ``number`` for every id, the demo event in an event's or an admin
    address, and "x" for anything else."""
    values = {"int": str(number), "admin_event": SLUG, "event_slug": SLUG}
    return ARGUMENT.sub(lambda found: values.get(found.group(1) or found.group(2), "x"), rule)


def test_the_app_reads_every_int_in_an_address_as_a_database_id(app):
    routes = id_routes(app)
    # The public pages, their feeds and the admin's: all of them go through the converter.
    rules = {rule for rule, _method in routes}
    assert {"/<event_slug>/sessions/<int:session_id>",
            "/<event_slug>/sessions/<int:session_id>.ics",
            "/<event_slug>/speakers/<int:speaker_id>", "/sessions/<int:session_id>",
            "/admin/<admin_event:event>/registrations/<int:registration_id>",
            "/admin/accounts/<int:user_id>/edit"} <= rules
    assert len(rules) > 20


def test_every_id_route_answers_404_for_ids_beyond_the_database(app, admin):
    answers = {}
    for rule, method in id_routes(app):
        for number in TOO_LARGE:
            response = admin.open(address(rule, number), method=method)
            answers[(rule, method, number)] = response.status_code
    assert {key: status for key, status in answers.items() if status != 404} == {}


def test_the_largest_id_is_simply_not_found(app, admin):
    for path in (f"{DEMO}/sessions/2147483647", f"{DEMO}/sessions/2147483647.ics",
                 f"{DEMO}/speakers/2147483647", f"{ADMIN}/registrations/2147483647"):
        assert admin.get(path).status_code == 404, path
    with app.app_context():
        session_id = db.session.scalars(select(ProgrammeSession.id)).first()
        speaker_id = db.session.scalars(select(Speaker.id)).first()
    assert admin.get(f"{DEMO}/sessions/{session_id}").status_code == 200
    assert admin.get(f"{DEMO}/speakers/{speaker_id}").status_code == 200


@pytest.mark.parametrize("page", ["9223372036854775808", "18446744073709551616",
                                  "2147483647", "2147483648", "-3", "0", " ", "x", "１"])
def test_the_audit_log_takes_any_page_number(app, admin, page):
    assert admin.get(f"{ADMIN}/audit", query_string={"page": page}).status_code == 200


@pytest.mark.parametrize("value", ["9223372036854775808", "-1", " "])
def test_the_programme_list_takes_any_forum_filter(app, admin, value):
    assert admin.get(f"{ADMIN}/sessions", query_string={"forum": value}).status_code == 200


@pytest.mark.parametrize("name", ["forum", "status", "category", "per_page", "page", "printed",
                                  "checked_in", "sort", "order"])
@pytest.mark.parametrize("value", [" ", "\t", "2147483648", "9223372036854775808", "nonsense"])
def test_registration_filters_that_mean_nothing_are_ignored(app, admin, demo_event, name,
                                                            value):
    with app.app_context():
        register(demo_event, "刘韵洁", "liu@pml.example.cn")
    listing = admin.get(f"{ADMIN}/registrations", query_string={name: value})
    assert listing.status_code == 200
    assert listed_names(listing) == ["刘韵洁"]
    export = admin.get(f"{ADMIN}/registrations/export.csv", query_string={name: value})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and "刘韵洁" in rows[1]


@pytest.mark.parametrize("path", [f"{DEMO}/forums/%00", f"{DEMO}/forums/chip-machine?lang=%00",
                                  f"{DEMO}/agenda?forum=%00", f"{ADMIN}/registrations?q=%00",
                                  f"{ADMIN}/checkin?q=a%00", f"{ADMIN}/printing?show=1&forum=%00",
                                  f"{ADMIN}/audit?actor=%00", "/r/%00"])
def test_a_nul_character_anywhere_is_refused(app, admin, path):
    # PostgreSQL cannot compare text holding one: a lookup failed there with a 500.
    assert admin.get(path).status_code == 400


@pytest.mark.parametrize(("since", "until"), [("0001-01-01", ""), ("", "9999-12-31"),
                                              ("0001-01-01", "9999-12-31")])
def test_the_audit_log_takes_the_first_and_last_days_of_the_calendar(app, admin, since, until):
    response = admin.get(f"{ADMIN}/audit", query_string={"since": since, "until": until})
    assert response.status_code == 200


def printing_screen(admin) -> tuple[str, str, str]:
    """The printing screen's selection: (the mark form's address, its CSRF token, ids)."""
    html = admin.get(f"{ADMIN}/printing?show=1").get_data(as_text=True)
    action = re.search(fr'action="({ADMIN}/printing/mark[^"]*)"', html).group(1)
    ids = re.search(r'name="ids" type="hidden" value="([^"]+)"', html).group(1)
    return action.replace("&amp;", "&"), CSRF_FIELD.search(html).group(1), ids


def printed_badges(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(
            select(Registration.id).where(Registration.badge_printed_at.is_not(None))))


@pytest.mark.parametrize("back", [
    f"{ADMIN}/printing?show=1%0d%0aSet-Cookie:%20x=y", f"{ADMIN}/printing?show=1%0aX",
    f"https://evil.example{ADMIN}/printing?show=1", f"//evil.example{ADMIN}/printing?x",
    f"{ADMIN}/registrations",
])
def test_a_bad_address_to_go_back_to_is_refused_before_badges_are_noted(
    app, admin, demo_event, back
):
    with app.app_context():
        register(demo_event, "刘韵洁", "liu@pml.example.cn")
    _action, token, ids = printing_screen(admin)
    response = admin.post(f"{ADMIN}/printing/mark?back={back}",
                          data={"csrf_token": token, "ids": ids})
    assert response.status_code == 400
    assert printed_badges(app) == []

    # The screen's own address still works, and one without "back" goes to the screen.
    action, token, ids = printing_screen(admin)
    response = admin.post(action, data={"csrf_token": token, "ids": ids})
    assert response.status_code == 302 and response.location.startswith(f"{ADMIN}/printing?")
    assert printed_badges(app) == [int(ids)]
    response = admin.post(f"{ADMIN}/printing/mark", data={"csrf_token": token, "ids": ids})
    assert response.status_code == 302 and response.location == f"{ADMIN}/printing"


@pytest.mark.parametrize("ids", ["9223372036854775808", "1,18446744073709551616", "0", "1,,2",
                                 "1\n", "١"])
def test_ids_beyond_the_database_are_refused_on_the_printing_screen(app, admin, demo_event,
                                                                    ids):
    with app.app_context():
        register(demo_event, "刘韵洁", "liu@pml.example.cn")
    action, token, _ids = printing_screen(admin)
    response = admin.post(action, data={"csrf_token": token, "ids": ids})
    assert response.status_code == 400
    assert printed_badges(app) == []


def test_a_429_says_when_to_try_again(app, demo_event):
    with rate_limited_app(app, RATELIMIT_REGISTER="1 per minute", WTF_CSRF_ENABLED=False,
                          INSTANCE_PATH=app.instance_path) as limited:
        visitor = limited.test_client()
        statuses = [visitor.post(f"{DEMO}/register?lang=en", data={"full_name": "试"})
                    for _ in range(2)]
    assert [response.status_code for response in statuses][-1] == 429
    refused = statuses[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window, rounded up
    assert "Too many requests" in page_text(refused)
    assert statuses[0].headers.get("Retry-After") is None
    # The limits were that app's: the tests' own app is not limited after it (more
    # registrations than its own RATELIMIT_REGISTER would let through in a minute).
    visitor = app.test_client()
    assert {post_registration(visitor, email=f"after.limit.{number}@example.org").status_code
            for number in range(21)} == {302}


# --- a fuzz over the public addresses ---------------------------------------------------

ODD_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", " ", "\x00", "%00", "\u202e", "١٢٣", "9" * 5000, "../..", "%",
                     "\ud7ff", "𠀀", "NaN", "1e309", "0x10", "-0"]),
    st.text(max_size=20),
)
PUBLIC_PATHS = [*(DEMO + path for path in (
                    "/", "/agenda", "/sessions/{}", "/sessions/{}.ics", "/speakers/{}",
                    "/speakers/{}/photo", "/forums/{}", "/forums/{}/calendar.ics", "/calendar.ics",
                    "/schedule.json", "/schedule.xml", "/schedule.csv", "/register")),
                "/{}/agenda", "/r/{}", "/r/{}/calendar.ics", "/r/{}/badge.pdf", "/admin/login"]
QUERY_NAMES = ["lang", "forum", "next", "page", "day", "id"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PUBLIC_PATHS), value=ODD_VALUES,
       query=st.dictionaries(st.sampled_from(QUERY_NAMES), ODD_VALUES, max_size=2))
def test_no_public_address_answers_500_whatever_is_typed(app, demo_event, path, value, query):
    client = app.test_client()
    # As a browser sends it: whatever it is, percent-encoded into the path.
    target = path.format(quote(value.encode("utf-8", "surrogatepass"), safe=""))
    response = client.get(target, query_string={
        name: text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        for name, text in query.items()})
    assert response.status_code < 500, (target, query, response.status_code)


def test_a_nul_character_in_a_sign_in_is_a_wrong_sign_in(app, demo_event):
    # PostgreSQL cannot look such an address up: it failed there with a 500.
    response = sign_in_with_the_form(app.test_client(), "admin\x00@example.org", "password-1234")
    assert response.status_code == 422


def test_a_nul_character_in_a_biography_is_explained_next_to_the_field(app, admin):
    with app.app_context():
        speaker = db.session.scalars(select(Speaker)).first()
        speaker_id, before = speaker.id, speaker.bio_en
    page = f"{ADMIN}/speakers/{speaker_id}/edit"
    html = admin.get(page).get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    fields.pop("csrf_token", None)
    response = post_form(admin, page, **fields, bio_en="Line one\nline\x00two")
    assert response.status_code == 422
    assert "This contains characters that cannot be printed." in page_text(response)
    with app.app_context():
        assert db.session.get(Speaker, speaker_id).bio_en == before


@pytest.mark.parametrize("forum", ["2147483648", "9223372036854775808", "0", "x"])
def test_promoting_into_a_forum_beyond_the_database_is_refused(app, admin, demo_event, forum):
    with app.app_context():
        registration_id = register(demo_event, "刘韵洁", "liu@pml.example.cn")
    path = f"{ADMIN}/registrations/{registration_id}"
    token = CSRF_FIELD.search(admin.get(path).get_data(as_text=True)).group(1)
    response = admin.post(f"{path}/promote", data={"csrf_token": token, "forum_id": forum})
    assert response.status_code == 400


NUMBERS_TOO_LARGE = ["1e5000", "1e1000000", "1e400", "1e-400", "１e９９９９９９"]


@pytest.mark.parametrize("typed", NUMBERS_TOO_LARGE)
def test_a_number_answer_of_any_size_is_refused_at_once(app, demo_event, typed):
    """A one-digit number with a vast exponent once took minutes of a worker's CPU to
    read, then failed to store (500): now it is refused like any other wrong number,
    on the form, through the API and on the organizers' page."""
    with app.app_context():
        nights = f"q{add_question(demo_event, QuestionKind.NUMBER, 'Nights').id}"
        rid = register(demo_event, "甲", "jia@example.org")
    client = app.test_client()
    started = time.monotonic()
    form = post_registration(client, email="yi@example.org", **{nights: typed})
    assert form.status_code == 422 and "请输入数字" in page_text(form)

    secret = make_token(app, demo_event)
    api = client.post(f"{API}/{SLUG}/registrations", headers=bearer(secret),
                      json=api_person(email="bing@example.org", answers={nights[1:]: typed}))
    assert api.status_code == 422, api.get_json()

    sign_in(app, client, Role.ORGANIZER)
    path = f"{ADMIN}/registrations/{rid}"
    admin = client.post(f"{path}/answers", data={"csrf_token": csrf_token(client, path),
                                                 nights: typed})
    assert admin.status_code == 422 and "Enter a number" in page_text(admin)
    assert time.monotonic() - started < 10
    with app.app_context():
        assert answers_of("jia@example.org") == {}
        assert count_registrations() == 1


def test_a_json_number_beyond_any_size_is_refused_through_the_api(app, demo_event):
    with app.app_context():
        nights = add_question(demo_event, QuestionKind.NUMBER, "Nights").id
    body = json.dumps(api_person(email="ding@example.org", answers={str(nights): 0}))
    for literal in ("1" + "0" * 5000, "1e400", "-1e999"):
        response = app.test_client().post(
            f"{API}/{SLUG}/registrations", headers={**bearer(make_token(app, demo_event)),
                                                   "Content-Type": "application/json"},
            data=body.replace(f'"{nights}": 0', f'"{nights}": {literal}'))
        assert response.status_code in (400, 422), (literal[:10], response.status_code)
