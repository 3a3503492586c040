"""Issue 22's "done when", walked as a new user would in a real browser, in Chinese: the
demo organizer adds an invoice question with its condition, registers as an attendee who
needs an invoice, exports the answers in Chinese (CSV), mails the waiting list of one
forum in both languages and sees the counts, and reads the dashboard's charts. The mail
goes to a real SMTP server on 127.0.0.1. Screenshots in tests/screenshots/<test name>/.

It fills a forum and sends mail, so it runs on a server of its own, not the session's."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from summit.demo.seed import SLUG
from summit.extensions import db
from summit.models import Event, Forum
from summit.outbox import deliver_due, queue_scheduled
from summit.registration import service
from summit.registration.details import AttendeeDetails
from summit.urls import serving_at

from ..helpers.mail import addressees, smtp_server
from ..helpers.pages import DEMO
from .conftest import DESKTOP, serve_demo, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips (or fails in CI) and says why
    expect = None

pytestmark = pytest.mark.e2e

ADMIN_EMAIL, ADMIN_PASSWORD = "organizer@example.com", "summit-demo"
ADMIN = f"/admin/{SLUG}"
FORUM = "chip-machine"


@pytest.fixture
def walk_server(backend, tmp_path):
    """The demo with its accounts; Forum "chip-machine" holds one seat, taken, and two
    attendees (one reading Chinese, one English) wait for it."""
    with serve_demo(backend, tmp_path, name="e2e_mailings") as server, smtp_server() as smtp:
        server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        with server.app.app_context(), serving_at(server.url):
            event = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
            forum = db.session.scalars(select(Forum).where(
                Forum.event_id == event.id, Forum.slug == FORUM)).one()
            forum.capacity = 1
            db.session.commit()
            for name, email, locale in (("周坐席", "seated@walk.example", "zh"),
                                        ("吴候补", "waiting.zh@walk.example", "zh"),
                                        ("Wendy Waiting", "waiting.en@walk.example", "en")):
                service.register(db.session, event, AttendeeDetails(
                    full_name=name, email=email, organisation="东南大学", locale=locale),
                    [forum.id])
            deliver_due(db.session, 50)
        smtp.handler.messages.clear()
        logins = server.app.test_cli_runner().invoke(args=["summit", "demo-accounts"])
        assert ADMIN_EMAIL in logins.output
        yield server, smtp.handler


def test_an_organizer_asks_exports_mails_a_waiting_list_and_reads_the_charts(
        walk_server, browser_pages, screenshots, backend):
    server, inbox = walk_server
    base = server.url
    page = browser_pages(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, base, ADMIN_EMAIL, ADMIN_PASSWORD)

    # 1) An invoice question with its condition: asked only when an invoice is wanted.
    page.goto(f"{base}{ADMIN}/questions/new?lang=zh")
    page.get_by_label("回答类型").select_option("choice")
    page.locator("[name=label_zh]").fill("发票类型")
    page.locator("[name=label_en]").fill("Kind of invoice")
    page.get_by_label("选项（单选、多选）").fill(
        "ordinary | 增值税普通发票 | Ordinary VAT invoice\n"
        "special | 增值税专用发票 | Special VAT invoice")
    page.get_by_label("仅当前面这个问题……").select_option(label="是否需要开具发票？")
    page.locator("[name=condition_value]").fill("yes")
    screenshots(page, "invoice-question")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已保存")
    expect(page.get_by_role("row").filter(has_text="发票类型")).to_contain_text("是否需要开具发票")
    screenshots(page, "questions")

    # 2) Registered as an attendee who needs an invoice.
    visitor = browser_pages(locale="zh-CN", viewport=DESKTOP)
    visitor.goto(f"{base}{DEMO}/register?lang=zh")
    kind = visitor.get_by_role("group", name=re.compile("发票类型"))
    expect(kind).to_be_hidden()
    visitor.get_by_role("group", name=re.compile("是否需要开具发票")).get_by_role(
        "radio", name="是", exact=True).check()
    expect(kind).to_be_visible()
    visitor.get_by_label("姓名", exact=True).fill("韩梅梅")
    visitor.get_by_label("电子邮箱").fill(f"han.meimei.{backend}@walk.example")
    visitor.get_by_label("工作单位").fill("东南大学")
    visitor.get_by_label(re.compile("发票抬头")).fill("东南大学")
    visitor.get_by_label(re.compile("纳税人识别号")).fill("91320000MA1XXXXX0X")
    kind.get_by_role("radio", name="增值税专用发票").check()
    visitor.get_by_role("checkbox", name=re.compile("我同意")).check()
    screenshots(visitor, "registering")
    visitor.get_by_role("button", name="报名", exact=True).click()
    expect(visitor.locator(".answers")).to_contain_text("增值税专用发票")
    screenshots(visitor, "registered")

    # 3) The answers exported in Chinese.
    page.goto(f"{base}{ADMIN}/registrations?lang=zh")
    with page.expect_download() as download:
        page.get_by_role("link", name="将当前结果导出为 CSV").click()
    rows = list(csv.DictReader(io.StringIO(
        screenshots.keep(download.value, "registrations.csv").read_text("utf-8-sig"))))
    (han,) = [row for row in rows if row["姓名"] == "韩梅梅"]
    assert han["发票类型"] == "增值税专用发票"
    assert han["发票抬头"] == "东南大学"

    # 4) The forum's waiting list mailed in both languages; the count as the filter changes.
    page.goto(f"{base}{ADMIN}/mailings?lang=zh")
    page.get_by_role("link", name="新建群发邮件").click()
    count = page.locator("[data-recipient-count]")
    expect(count).to_have_text("4 位收件人")  # everyone not cancelled
    page.get_by_label("论坛", exact=True).select_option(label="芯机联动专题")
    expect(count).to_have_text("3 位收件人")
    page.get_by_label("该分论坛的座位").select_option("waitlisted")
    expect(count).to_have_text("2 位收件人")
    page.locator("[name=subject_zh]").fill("分论坛 候补通知")
    page.locator("[name=body_zh]").fill("{name}，您好：\n\n您仍在 **{forums}** 的候补名单上。"
                                        "\n\n您的页面：{private_link}")
    page.locator("[name=subject_en]").fill("Waiting list news")
    page.locator("[name=body_en]").fill("Dear {name},\n\nyou are still waiting for "
                                        "**{forums}**.\n\nYour page: {private_link}")
    page.get_by_role("button", name="统计人数并预览").click()
    expect(page.locator(".mailing-preview")).to_contain_text("吴候补")
    expect(page.locator(".mailing-preview")).to_contain_text("you are still waiting for")
    screenshots(page, "mailing-preview")
    page.get_by_role("button", name="立即发送").click()
    expect(page.get_by_role("status")).to_contain_text("正在发送给 2 位收件人")
    expect(page.locator("[data-recipients]")).to_have_text("2")
    expect(page.locator("[data-queued]")).to_have_text("2")
    with server.app.app_context():  # what `flask summit mail-worker` does
        assert deliver_due(db.session, 50) == (2, 0)
        queue_scheduled(db.session)
    page.reload()
    expect(page.locator("[data-sent]")).to_have_text("2")
    expect(page.locator("[data-failed]")).to_have_text("0")
    screenshots(page, "mailing-sent")
    mailed = [m for m in inbox.messages if "候补通知" in m["Subject"]
              or m["Subject"] == "Waiting list news"]  # not the new attendee's confirmation
    assert addressees(mailed) == {"waiting.zh@walk.example": 1, "waiting.en@walk.example": 1}
    subjects = {m["To"].addresses[0].addr_spec: m["Subject"] for m in mailed}
    assert subjects == {"waiting.zh@walk.example": "分论坛 候补通知",
                        "waiting.en@walk.example": "Waiting list news"}
    english = next(m for m in mailed if m["Subject"] == "Waiting list news")
    assert "Dear Wendy Waiting" in english.get_body(("plain",)).get_content()
    page.goto(f"{base}{ADMIN}/mailings?lang=zh")
    expect(page.get_by_role("row").filter(has_text="分论坛 候补通知")).to_contain_text("已发送")
    screenshots(page, "mailings")

    # 5) The state of the event off the dashboard's charts.
    page.goto(f"{base}{ADMIN}/dashboard?lang=zh")
    expect(page.locator(".dash-chart__figure svg").first).to_be_visible()
    answers = page.locator(".dash-chart").filter(has_text="发票类型")
    expect(answers.locator("table")).to_contain_text("增值税专用发票")
    screenshots(page, "dashboard")
