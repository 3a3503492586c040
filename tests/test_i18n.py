"""Every page in Chinese and in English: how the language is chosen, that it sticks, and
that a Chinese page carries no English UI text (content excepted)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from zoneinfo import available_timezones

import pytest
from sqlalchemy import inspect, select

from summit.admin.registrations.csv_io import IMPORT_COLUMNS
from summit.extensions import db
from summit.models import (
    CoHost,
    Event,
    Forum,
    ProgrammeSession,
    Registration,
    Role,
    SessionKind,
    Speaker,
)

from .catalogs import ensure_compiled, read_catalog
from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN
from .helpers.pages import DEMO, csrf_token
from .helpers.registrations import outbox_mails, register_directly

# Latin words that may stand in a Chinese page: the product's name and the switch to English.
ALLOWED_LATIN = {"Summit", "English"}
# On the admin pages, the file formats and units that organizers know by these names.
FILE_FORMATS = {"CSV", "PDF", "PNG", "SVG", "JPEG", "WebP", "MB", "UTF", "GB", "Excel"}
ATTENDEE = {
    "full_name": "王小明",
    "email": "wang.xiaoming@seu.example.cn",
    "phone": "13800138000",
    "organisation": "东南大学",
    "job_title": "教授",
    "category": "delegate",
    "consent": "y",
}


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs() -> None:
    ensure_compiled()


class ReadableText(HTMLParser):
    """What a person (or a screen reader) reads: text nodes outside <script>/<style>,
    and the attributes that are spoken or shown (aria-label, title, alt, placeholder).
    <code> is left out too: the admin pages show stored identifiers in it (badge codes,
    short names, the audit log's field names), which are data, not UI text."""

    SPOKEN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
    UNREAD = {"script", "style", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.UNREAD:
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.SPOKEN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in self.UNREAD:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


def content_values() -> list[str]:
    """Every stored text of the event in either language (names, titles, rooms...), longest
    first: what organizers typed is content, not UI, and may hold Latin words."""
    values = set()
    for model in (Event, Forum, ProgrammeSession, Speaker):
        columns = [c.key for c in inspect(model).columns if c.key.endswith(("_zh", "_en"))]
        for row in db.session.scalars(select(model)):
            values.update(" ".join((getattr(row, key) or "").split()) for key in columns)
    for event in db.session.scalars(select(Event)):
        values.update(" ".join(f"{h.name_zh} {h.name_en}".split()) for h in event.co_hosts)
        values.update(" ".join(h.name_en.split()) for h in event.co_hosts)
    return sorted((v for v in values if v), key=len, reverse=True)


def untranslated_words(html: str, content: list[str], *user_values: str) -> set[str]:
    """Latin words left on a page once content, what the user typed, e-mail addresses and
    the allowed names are taken out: each one is UI text that missed the catalog."""
    text = ReadableText.of(html)
    for value in [*content, *user_values]:
        text = text.replace(value, " ")
    text = re.sub(r"\S+@\S+", " ", text)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN


def latin_words(*texts: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", " ".join(texts)))


def register(client, lang: str = "zh", **overrides) -> str:
    """Register through the form; returns the private link's path."""
    token = csrf_token(client, f"{DEMO}/register?lang={lang}")
    data = {"csrf_token": token, **ATTENDEE, **overrides}
    response = client.post(f"{DEMO}/register?lang={lang}", data=data)
    response.close()  # sends the confirmation mail queued for after the response
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].split("?")[0]


# --- choosing the language ----------------------------------------------------------


def test_accept_language_en_us_gets_english(client, demo_event):
    response = client.get(f"{DEMO}/agenda", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Agenda</h1>" in html and "Thu 26 Nov 2020" in html
    assert "会议日程" not in ReadableText.of(html)


def test_without_any_preference_the_event_default_chinese_is_used(client, demo_event):
    html = client.get(f"{DEMO}/agenda").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "<h1>会议日程</h1>" in html


def test_lang_zh_sets_a_cookie_and_later_pages_stay_chinese(client, demo_event):
    response = client.get(f"{DEMO}/?lang=zh", headers={"Accept-Language": "en-US"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=zh;") and "Max-Age=" in cookie and "HttpOnly" in cookie
    # No ?lang= any more, and a browser asking for English: the cookie wins.
    html = client.get(f"{DEMO}/speakers",
                      headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "<h1>演讲嘉宾</h1>" in html

    client.get(f"{DEMO}/speakers?lang=en")
    html = client.get(f"{DEMO}/agenda").get_data(as_text=True)
    assert "<h1>Agenda</h1>" in html


def test_the_language_switch_leads_to_the_same_page_in_the_other_language(
    app, client, demo_event
):
    with app.app_context():
        keynote = db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.kind == SessionKind.KEYNOTE)
        ).first()
        path = f"{DEMO}/sessions/{keynote.id}"
        title_zh, title_en = keynote.title_zh, keynote.title_en

    english = client.get(f"{path}?lang=en").get_data(as_text=True)
    switch = re.search(r'<a href="([^"]+)" lang="zh-Hans" hreflang="zh-Hans">中文</a>', english)
    assert switch and switch.group(1) == f"{path}?lang=zh"
    chinese = client.get(switch.group(1)).get_data(as_text=True)
    assert title_zh in chinese and title_en not in chinese
    assert f'<a href="{path}?lang=en" lang="en" hreflang="en">English</a>' in chinese


# --- no English left on a Chinese page ----------------------------------------------


def test_chinese_public_pages_have_no_untranslated_ui_text(app, client, demo_event):
    with app.app_context():
        content = content_values()
        forum = db.session.scalars(select(Forum).where(Forum.slug == "chip-machine")).one()
        speaker_ids = db.session.scalars(select(Speaker.id)).all()
        session_ids = db.session.scalars(select(ProgrammeSession.id)).all()
    paths = [
        f"{DEMO}/", f"{DEMO}/agenda", f"{DEMO}/agenda?forum={forum.slug}",
        f"{DEMO}/forums/{forum.slug}", f"{DEMO}/speakers", f"{DEMO}/register", "/no/such/page",
        *(f"{DEMO}/speakers/{i}" for i in speaker_ids),
        *(f"{DEMO}/sessions/{i}" for i in session_ids),
    ]
    for path in paths:
        response = client.get(path, headers={"Accept-Language": "zh-CN"})
        assert response.status_code in (200, 404), path
        assert untranslated_words(response.get_data(as_text=True), content) == set(), path


def test_chinese_form_errors_including_wtforms_own_are_translated(app, client, demo_event):
    with app.app_context():
        content = content_values()
    data = {
        "csrf_token": csrf_token(client, f"{DEMO}/register?lang=zh"),
        "full_name": "",
        "email": "not-an-address",
        "latin_name": "王",
        "phone": "12",
        "organisation": "",
        "category": "no-such-category",
    }
    response = client.post(f"{DEMO}/register?lang=zh", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("请填写姓名。", "请填写工作单位。", "请勾选同意，以便我们为您办理报名。",
                    "请输入有效的电子邮箱地址", "请输入电话号码", "请只使用拉丁字母"):
        assert message in html, message
    assert "不是有效的选择" in html  # WTForms' own message, from its bundled Chinese catalog
    assert untranslated_words(html, content, *data.values()) == set()


def test_the_attendee_path_and_its_mail_are_all_chinese(app, client, demo_event):
    with app.app_context():
        content = content_values()
        forum_id = db.session.scalars(select(Forum.id).where(Forum.slug == "chip-machine")).one()
    link = register(client, forums=[forum_id])
    typed = list(ATTENDEE.values())

    page = client.get(link)
    html = page.get_data(as_text=True)
    assert "报名成功" in html and "座位已确认" in html and "芯机联动专题" in html
    assert "东南大学 教授" in ReadableText.of(html)  # organisation and job title, the Chinese way
    assert untranslated_words(html, content, *typed) == set()
    cancel = client.get(f"{link}/cancel").get_data(as_text=True)
    assert "取消我的报名" in cancel
    assert untranslated_words(cancel, content, *typed) == set()

    (mail,) = outbox_mails(app)
    assert mail["Subject"].startswith("2020中国国际嵌入式大会") and "报名确认" in mail["Subject"]
    for part in ("plain", "html"):
        body = mail.get_body(preferencelist=(part,)).get_content()
        assert "尊敬的王小明：" in body and "座位已确认" in body
        link_free = re.sub(r"https?://\S+", " ", body)
        if part == "html":
            assert untranslated_words(link_free, content, *typed) == set()
        else:
            words = set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\S+@\S+", " ", link_free)))
            assert words <= {"Embedded", "China"}, words


def test_a_waiting_list_place_is_told_in_chinese(app, client, demo_event):
    with app.app_context():
        db.session.get(Event, demo_event).capacity = 0
        db.session.commit()
        content = content_values()
    html = client.get(register(client)).get_data(as_text=True)
    assert "会议名额已满。您在候补名单中排第1位" in html
    assert untranslated_words(html, content, *ATTENDEE.values()) == set()


def test_an_attendee_who_registered_in_chinese_gets_english_on_request(app, client, demo_event):
    link = register(client)
    html = client.get(f"{link}?lang=en").get_data(as_text=True)
    assert "<h1>My registration</h1>" in html and "Change my forums" in html
    with app.app_context():
        assert db.session.scalars(select(Registration.locale)).one() == "zh"


# --- content in both languages, dates and time zone ----------------------------------


def test_both_languages_at_once_when_the_event_asks_for_it(app, client, demo_event):
    def titles(lang: str) -> tuple[str, list[str]]:
        html = client.get(f"{DEMO}/agenda?lang={lang}").get_data(as_text=True)
        return html, re.findall(r'<span class="other-language" lang="([a-zA-Z-]+)">', html)

    html, others = titles("zh")
    assert others == []
    with app.app_context():
        db.session.get(Event, demo_event).show_both_languages = True
        db.session.commit()
    html, others = titles("zh")
    assert others and set(others) == {"en"}
    # The title in the reader's language first, the other one right below it.
    assert re.search(
        r'<span lang="zh-Hans">可信嵌入式软件：新基建的基石</span>'
        r'<span class="other-language" lang="en">Trusted embedded software', html
    )
    _, others = titles("en")
    assert set(others) == {"zh-Hans"}
    home = client.get(f"{DEMO}/?lang=en").get_data(as_text=True)
    assert re.search(r'<h1><span lang="en">[^<]+</span><span class="other-language" '
                     r'lang="zh-Hans">2020中国国际嵌入式大会', home)


def test_the_time_zone_and_dates_are_written_in_the_readers_language(client, demo_event):
    zh = ReadableText.of(client.get(f"{DEMO}/agenda?lang=zh").get_data(as_text=True))
    en = ReadableText.of(client.get(f"{DEMO}/agenda?lang=en").get_data(as_text=True))
    assert "所有时间均为南京当地时间（中国时间）。" in zh
    assert "All times are local time in Nanjing (China Time)." in en
    register_zh = ReadableText.of(client.get(f"{DEMO}/register?lang=zh").get_data(as_text=True))
    assert "2020年11月25日 星期三 – 2020年11月27日 星期五" in register_zh


def test_the_chinese_catalog_has_no_broken_placeholders():
    """A translation that drops or renames a %(name)s would raise at render time."""
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in read_catalog().check()
    ]
    assert problems == []


# --- the admin pages ----------------------------------------------------------------


def test_chinese_admin_pages_have_no_untranslated_ui_text(app, client, demo_event):
    admin_id = sign_in(app, client, Role.ADMIN, email="admin@summit.example.org")
    client.set_cookie("lang", "zh")
    with app.app_context():
        event = db.session.get(Event, demo_event)
        forum = db.session.scalars(select(Forum).where(Forum.slug == "chip-machine")).one()
        attendee = register_directly(demo_event, "wang.xiaoming@seu.example.cn", [forum.id],
                                     name="王小明")
        code, registration_id = attendee.checkin_code, attendee.id
        event.capacity = 1  # the next one waits, so the pages show a waiting list
        register_directly(demo_event, "li.lei@seu.example.cn", [forum.id], name="李雷")
        db.session.commit()
        session_id = db.session.scalars(select(ProgrammeSession.id)).first()
        speaker_id = db.session.scalars(select(Speaker.id)).first()
        co_host_id = db.session.scalars(select(CoHost.id)).first()
        # What organizers typed or chose that is not a _zh/_en column: names of places
        # in addresses, the time zone's name, the demo accounts.
        content = content_values() + [event.slug, event.timezone, "东南大学", "测试者"]
    # A check-in, so that the desk, the audit log and the registration's history have one.
    scanned = client.post(f"{ADMIN}/checkin", data={
        "csrf_token": csrf_token(client, f"{ADMIN}/checkin"), "code": code})
    assert "欢迎！签到成功。" in scanned.get_data(as_text=True)

    paths = [
        f"{ADMIN}/dashboard", f"{ADMIN}/registrations", f"{ADMIN}/registrations/{registration_id}",
        f"{ADMIN}/registrations/{registration_id}/cancel", f"{ADMIN}/registrations/new",
        f"{ADMIN}/registrations/import", f"{ADMIN}/checkin", f"{ADMIN}/checkin?q=王",
        f"{ADMIN}/sessions", f"{ADMIN}/sessions/new", f"{ADMIN}/sessions/{session_id}/edit",
        f"{ADMIN}/sessions/{session_id}/delete", f"{ADMIN}/speakers",
        f"{ADMIN}/speakers/{speaker_id}/edit", f"{ADMIN}/forums", f"{ADMIN}/forums/{forum.id}/edit",
        f"{ADMIN}/co-hosts", f"{ADMIN}/co-hosts/{co_host_id}/edit", f"{ADMIN}/event",
        f"{ADMIN}/audit", "/admin/accounts", "/admin/accounts/new",
        f"/admin/accounts/{admin_id}/edit", f"{ADMIN}/printing", f"{ADMIN}/printing?show=1",
    ]
    pages = {path: client.get(path) for path in paths}
    pages["desk after a scan"] = scanned
    assert {path: r.status_code for path, r in pages.items() if r.status_code != 200} == {}
    # Names that stay Latin in Chinese: file formats, the time zones' IANA names in the
    # event's settings, the guest list's English column names and language codes.
    also_allowed = {
        f"{ADMIN}/event": latin_words(*available_timezones()),
        f"{ADMIN}/registrations/import": latin_words(*IMPORT_COLUMNS, "zh", "en"),
    }
    left = {
        path: words for path, response in pages.items()
        if (words := untranslated_words(response.get_data(as_text=True), content)
            - FILE_FORMATS - also_allowed.get(path, set()))
    }
    assert left == {}, "\n".join(f"{path}: {' '.join(sorted(w))}" for path, w in left.items())

    client.post("/admin/logout", data={"csrf_token": csrf_token(client, f"{ADMIN}/checkin")})
    login = client.get("/admin/login")
    assert "<h1>登录</h1>" in login.get_data(as_text=True)
    assert untranslated_words(login.get_data(as_text=True), content) == set()
