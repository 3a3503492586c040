"""Issue 23's call for speakers, walked in Chinese in a real browser: a speaker proposes a
talk with a co-speaker, who fills in their details through their own link; an anonymised
reviewer and the organizer score it (only the organizer sees who proposed it); the
organizer accepts it and sends the decision; the session waits unscheduled in the
programme editor, is placed, and shows on the agenda; the speaker confirms through their
link and uploads the slides there, which then show on the session page and in
schedule.json. Screenshots in tests/screenshots/<test name>/.

The walk changes the demo's programme, so it runs on a server of its own."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import Event, EventRole, ProgrammeSession, Role, User

from ..helpers.accounts import password_hash
from ..helpers.pages import DEMO
from ..helpers.pdfs import plain_pdf
from ..helpers.proposals import CHIP, forum_id_of, make_reviewer, open_call
from .conftest import DESKTOP, serve_demo, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

ADMIN = f"/admin/{DEMO.strip('/')}"
SPEAKER, CO_SPEAKER = "zhang.wei@seu.example.cn", "liu.yang@example.org"
ORGANIZER, REVIEWER = "chen.jing@example.cn", "reviewer.sun@example.cn"
PASSWORD = "reviewer-password-1"
TITLE = "面向工业物联网的轻量级安全启动"
LINK = re.compile(r"https?://\S+(/proposals/[\w-]+)")


@pytest.fixture
def cfp_server(backend, tmp_path):
    """The demo with its call open (anonymised review, scores 1–5), an organizer and a
    reviewer."""
    with serve_demo(backend, tmp_path, name="e2e_cfp") as server:
        with server.app.app_context():
            event_id = forum_event_id()
            open_call(event_id)
            make_reviewer(event_id, REVIEWER)
            db.session.add(User(email=ORGANIZER, role=Role.ORGANIZER, name="陈静",
                                password_hash=password_hash(PASSWORD),
                                event_roles=[EventRole(event_id=event_id, role=Role.ORGANIZER)]))
            db.session.commit()
        yield server


def forum_event_id() -> int:
    return db.session.scalar(select(Event.id).where(Event.slug == DEMO.strip("/")))


def link_in(server, address: str) -> str:
    body = server.wait_for_mail(address).get_body(("plain",)).get_content()
    return LINK.search(body).group(1)


def free_slot(server) -> tuple[str, str]:
    """Twenty minutes in the chip forum's room after its last session, on its clock."""
    with server.app.app_context():
        last = db.session.scalar(select(func.max(ProgrammeSession.ends_at)).where(
            ProgrammeSession.forum_id == forum_id_of(CHIP)))
    start = last.astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=10)
    end = start + timedelta(minutes=20)
    return start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")


def test_a_talk_proposed_reviewed_accepted_placed_confirmed_and_its_slides_uploaded(
    cfp_server, browser_pages, screenshots
):
    base = cfp_server.url
    speaker = browser_pages(locale="zh-CN", viewport=DESKTOP)
    speaker.goto(f"{base}{DEMO}/cfp?lang=zh")
    expect(speaker.get_by_role("heading", name="征稿", exact=True)).to_be_visible()
    speaker.get_by_label("中文题目").fill(TITLE)
    speaker.get_by_label("中文摘要").fill("提出一种适用于资源受限设备的安全启动方案。")
    speaker.get_by_label("论坛").select_option(label="芯机联动专题")
    speaker.get_by_label("时长").select_option(label="20 分钟")
    speaker.get_by_label(re.compile("合作讲者的电子邮箱")).fill(CO_SPEAKER)
    speaker.get_by_label("姓名").fill("张伟")
    speaker.get_by_label("电子邮箱", exact=True).fill(SPEAKER)
    speaker.get_by_label("所在单位").fill("东南大学网络空间安全学院")
    screenshots(speaker, "proposal-form")
    speaker.get_by_role("button", name="提交投稿").click()
    expect(speaker.get_by_role("heading", name="我的投稿", exact=True)).to_be_visible()
    expect(speaker.get_by_role("heading", name="已提交")).to_be_visible()
    own_link = link_in(cfp_server, SPEAKER)
    assert speaker.url.endswith(own_link)

    # The co-speaker's own link.
    co_speaker = browser_pages(locale="zh-CN", viewport=DESKTOP)
    co_speaker.goto(f"{base}{link_in(cfp_server, CO_SPEAKER)}?lang=zh")
    co_speaker.get_by_label("姓名").fill("刘洋")
    co_speaker.get_by_label("中文所在单位").fill("紫金山实验室")
    co_speaker.get_by_label("英文所在单位").fill("Purple Mountain Laboratories")
    co_speaker.get_by_role("button", name="保存我的信息").click()
    expect(co_speaker.get_by_text("您的信息已保存。")).to_be_visible()
    expect(co_speaker.locator(".facts")).to_contain_text("刘洋")

    # An anonymised reviewer: the proposal, never who wrote it.
    reviewer = browser_pages(locale="zh-CN", viewport=DESKTOP)
    sign_in(reviewer, base, REVIEWER, PASSWORD)
    reviewer.goto(f"{base}{ADMIN}/review?lang=zh")
    reviewer.get_by_role("link", name="下一份待评审投稿").click()
    expect(reviewer.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(reviewer.get_by_text("匿名评审：不显示讲者信息。")).to_be_visible()
    for secret in ("张伟", "东南大学网络空间安全学院", SPEAKER, "刘洋", CO_SPEAKER):
        assert secret not in reviewer.content()
    reviewer.get_by_label("评分").select_option("4")
    reviewer.get_by_label("评语").fill("方案实用，实验充分。")
    reviewer.get_by_role("button", name="保存我的评审").click()
    expect(reviewer.get_by_text("您的评审已保存。")).to_be_visible()
    screenshots(reviewer, "anonymised-review")

    # The organizer reviews too, with names, and sees the first review after theirs.
    organizer = browser_pages(locale="zh-CN", viewport=DESKTOP)
    sign_in(organizer, base, ORGANIZER, PASSWORD)
    organizer.goto(f"{base}{ADMIN}/review?lang=zh")
    organizer.get_by_role("link", name=TITLE).click()
    expect(organizer.locator("main")).to_contain_text("张伟")
    organizer.get_by_label("评分").select_option("5")
    organizer.get_by_role("button", name="保存我的评审").click()
    expect(organizer.locator("main")).to_contain_text("方案实用，实验充分。")

    # Accept, then send the decision.
    organizer.goto(f"{base}{ADMIN}/proposals?lang=zh")
    row = organizer.locator("tr", has_text=TITLE)
    expect(row).to_contain_text("4.5")
    row.get_by_role("link", name=TITLE).click()
    organizer.get_by_label("决定").select_option(label="录用")
    organizer.get_by_role("button", name="保存").click()
    organizer.get_by_role("link", name="发送决定（1）").click()
    screenshots(organizer, "send-decisions")
    organizer.get_by_role("button", name="发送 1 项决定").click()
    expect(organizer.get_by_text("已发送 1 项决定。")).to_be_visible()

    # The session waits to be placed, then is placed and shows on the agenda.
    organizer.goto(f"{base}{ADMIN}/sessions?lang=zh")
    waiting = organizer.locator("section", has=organizer.get_by_role("heading", name="待安排"))
    expect(waiting).to_contain_text(TITLE)
    expect(waiting).to_contain_text("张伟")
    waiting.get_by_role("link", name="安排").click()
    starts, ends = free_slot(cfp_server)
    organizer.locator("#starts_at").fill(starts)
    organizer.locator("#ends_at").fill(ends)
    organizer.get_by_role("button", name="保存").click()
    expect(organizer.get_by_text("已保存。")).to_be_visible()
    organizer.goto(f"{base}{DEMO}/agenda?lang=zh")
    expect(organizer.get_by_role("link", name=TITLE)).to_be_visible()

    # The speaker's mail, and their confirmation.
    mail = cfp_server.wait_for_mail(SPEAKER)
    assert "录用" in str(mail["Subject"])
    speaker.goto(f"{base}{own_link}?lang=zh")
    expect(speaker.get_by_role("heading", name="已录用")).to_be_visible()
    speaker.get_by_role("button", name="我确认将作此报告").click()
    expect(speaker.get_by_role("heading", name="已确认")).to_be_visible()
    screenshots(speaker, "confirmed")

    # The speaker uploads the slides through their own link.
    slides_title = "安全启动报告幻灯片"
    speaker.get_by_label("标题（显示在日程页面上）").first.fill(slides_title)
    speaker.get_by_label("演讲幻灯片（PDF）").set_input_files(files=[{
        "name": "安全启动 终稿.pdf", "mimeType": "application/pdf", "buffer": plain_pdf()}])
    speaker.get_by_role("button", name="上传", exact=True).click()
    expect(speaker.get_by_text("幻灯片已显示在日程页面上。")).to_be_visible()
    materials = speaker.locator("section", has=speaker.get_by_role("heading", name="幻灯片与录像"))
    expect(materials).to_contain_text(slides_title)
    screenshots(speaker, "slides-uploaded")
    speaker.get_by_role("link", name="日程页面").click()
    expect(speaker.get_by_role("heading", name=TITLE)).to_be_visible()
    download = speaker.get_by_role("link", name=re.compile(slides_title))
    expect(download).to_be_visible()
    assert download.get_attribute("href").endswith(".pdf")
    schedule = speaker.request.get(f"{base}{DEMO}/schedule.json").json()
    talk = next(talk for day in schedule["schedule"]["conference"]["days"]
                for room in day["rooms"].values() for talk in room if talk["title"] == TITLE)
    assert [attachment["title"] for attachment in talk["attachments"]] == [slides_title]
