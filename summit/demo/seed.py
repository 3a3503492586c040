"""The Embedded China 2020 event, as data, loaded by ``flask summit seed``.

Facts come from ../shared/seed/EVENT.md (item 8 of the AI newsletter of
2020-11-27). Where the source is silent (times, rooms, capacities, the venue,
talk titles beyond the forum names) the values below are plausible choices and
say so. The demo talks take the newsletter's embedded-AI topics of that week;
their speakers are placeholders, marked ``is_demo``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..events.service import clone_event
from ..models import (
    CoHost,
    CoHostRole,
    Event,
    Forum,
    ForumKind,
    ProgrammeSession,
    Question,
    QuestionChoice,
    QuestionKind,
    SessionKind,
    Speaker,
    default_reminders,
)

SLUG = "embedded-china-2020"
# The next edition, as an organizer would start it: a draft cloned from 2020 (forums,
# co-hosts, settings; no programme, no registrations), seen only in the admin.
NEXT_EDITION_SLUG = "embedded-china-2021"
NEXT_EDITION_STARTS_ON = date(2021, 11, 24)
TIMEZONE = "Asia/Shanghai"
ZONE = ZoneInfo(TIMEZONE)

EVENT = {
    "slug": SLUG,
    "name_zh": "2020中国国际嵌入式大会（Embedded China）",
    "name_en": "2020 China International Embedded Conference (Embedded China)",
    "theme_zh": "5G，新基建创造新生态",
    "theme_en": "5G: new infrastructure creates a new ecosystem",
    "description_zh": (
        "2020中国国际嵌入式大会于11月25日至27日在南京举行，为期三天，11月26日隆重开幕。"
        "大会以“5G，新基建创造新生态”为主题，设有主论坛和四个专题平行论坛，"
        "并举行全国大学生嵌入式芯片与系统设计竞赛总决赛颁奖典礼。"
        "来自产学研各界的300余名代表参会。"
    ),
    "description_en": (
        "The 2020 China International Embedded Conference takes place in Nanjing from "
        "25 to 27 November 2020, with the opening ceremony on 26 November. Under the theme "
        "“5G: new infrastructure creates a new ecosystem” it holds a main forum, four "
        "parallel forums and the award ceremony of the national college student embedded "
        "chip and system design competition. More than 300 delegates from industry, "
        "academia and research attend."
    ),
    "city_zh": "南京",
    "city_en": "Nanjing",
    # Plausible choice: the source names the city, not the venue.
    "venue_zh": "南京国际博览会议中心",
    "venue_en": "Nanjing International Expo Convention Center",
    "starts_on": date(2020, 11, 25),
    "ends_on": date(2020, 11, 27),
    "timezone": TIMEZONE,
    "default_locale": "zh",
    # Plausible choice: 300+ delegates attended; the plenary hall seats 400.
    "capacity": 400,
    # The real window closed before the event; the demo leaves registration open so
    # that the attendee path can be tried.
    "registration_opens_at": None,
    "registration_closes_at": None,
}

# (Chinese name, English name), in the source's order; all six are 联合主办.
CO_HOSTS = [
    ("紫金山实验室", "Purple Mountain Laboratories"),
    ("国家可信嵌入式软件工程技术研究中心",
     "National Trusted Embedded Software Engineering Technology Research Center"),
    ("东南大学", "Southeast University"),
    ("上海科学院", "Shanghai Academy of Sciences"),
    ("上海产业技术研究院", "Shanghai Industrial Technology Research Institute"),
    ("长三角嵌入式系统与软件产业联盟",
     "Yangtze River Delta Embedded Systems and Software Industry Alliance"),
]

# Rooms, capacities and colours are plausible choices; the source gives none.
FORUMS = [
    {
        "slug": "main",
        "kind": ForumKind.MAIN,
        "name_zh": "5G新基建创造新生态主论坛",
        "name_en": "Main Forum: 5G, New Infrastructure, New Ecosystem",
        "room_zh": "主会场",
        "room_en": "Main Hall",
        "capacity": None,
        "colour": "#b3261e",
    },
    {
        "slug": "5g-ai-big-data",
        "name_zh": "5G与人工智能及大数据融合",
        "name_en": "Convergence of 5G, AI and Big Data",
        "room_zh": "分会场A",
        "room_en": "Room A",
        "capacity": 120,
        "colour": "#0b57d0",
    },
    {
        "slug": "yrd-embedded-innovation",
        "name_zh": "2020长三角嵌入式系统创新发展",
        "name_en": "2020 Yangtze River Delta Embedded Systems Innovation and Development",
        "room_zh": "分会场B",
        "room_en": "Room B",
        "capacity": 100,
        "colour": "#146c2e",
    },
    {
        "slug": "chip-machine",
        "name_zh": "芯机联动专题",
        "name_en": "Chip–Machine Co-design",
        "room_zh": "分会场C",
        "room_en": "Room C",
        "capacity": 80,
        "colour": "#7c4dff",
    },
    {
        "slug": "yrd-education-talent",
        "name_zh": "长三角教育与专业人才培养",
        "name_en": "Yangtze River Delta Education and Professional Talent Development",
        "room_zh": "分会场D",
        "room_en": "Room D",
        "capacity": 80,
        "colour": "#8a5300",
    },
]

# Affiliations are public record rather than the source's words.
SPEAKERS = {
    "he-jifeng": {
        "name_zh": "何积丰",
        "name_en": "He Jifeng",
        "honorific_zh": "院士",
        "honorific_en": "Academician",
        "affiliation_zh": "中国科学院院士，华东师范大学",
        "affiliation_en": "Chinese Academy of Sciences; East China Normal University",
    },
    "liu-yunjie": {
        "name_zh": "刘韵洁",
        "name_en": "Liu Yunjie",
        "honorific_zh": "院士",
        "honorific_en": "Academician",
        "affiliation_zh": "中国工程院院士，紫金山实验室",
        "affiliation_en": "Chinese Academy of Engineering; Purple Mountain Laboratories",
    },
}
# Placeholders for the demo talks: not real people, and shown as such.
for letter in "ABCDEFGH":
    SPEAKERS[f"demo-{letter.lower()}"] = {
        "name_zh": f"示例讲者{letter}",
        "name_en": f"Demo Speaker {letter}",
        "affiliation_zh": "示例单位（演示数据）",
        "affiliation_en": "Example organisation (demo data)",
        "is_demo": True,
    }

# (forum slug, kind, day, start, end, Chinese title, English title, speakers, abstract zh, en)
# The source gives the forums and the keynote speakers, not a timetable: the times
# below are plausible choices (registration on the 25th, opening and main forum on
# the morning of the 26th, parallel forums after, the award ceremony on the 27th).
SESSIONS = [
    ("main", SessionKind.BREAK, 25, "13:00", "18:00", "代表报到注册", "Delegate registration",
     [], "领取胸卡与会议资料。", "Collect badges and conference materials."),
    ("main", SessionKind.OPENING, 26, "09:00", "09:30", "开幕式", "Opening ceremony",
     [], "大会开幕，主办方致辞。", "The conference opens with addresses by the co-hosts."),
    ("main", SessionKind.KEYNOTE, 26, "09:30", "10:15",
     "可信嵌入式软件：新基建的基石",
     "Trusted embedded software: a cornerstone of new infrastructure",
     ["he-jifeng"], "主旨报告（题目为演示所拟）。", "Keynote (title invented for the demo)."),
    ("main", SessionKind.KEYNOTE, 26, "10:15", "11:00",
     "未来网络与5G新基建", "Future networks and 5G new infrastructure",
     ["liu-yunjie"], "主旨报告（题目为演示所拟）。", "Keynote (title invented for the demo)."),
    ("main", SessionKind.BREAK, 26, "11:00", "11:15", "茶歇", "Coffee break", [], "", ""),
    ("main", SessionKind.PANEL, 26, "11:15", "12:00",
     "圆桌：5G，新基建创造新生态", "Panel: 5G, new infrastructure, new ecosystem",
     ["he-jifeng", "liu-yunjie", "demo-a"], "", ""),
    ("main", SessionKind.BREAK, 26, "12:00", "13:30", "午餐", "Lunch", [], "", ""),
    # Afternoon of the 26th: two parallel forums.
    ("5g-ai-big-data", SessionKind.TALK, 26, "13:30", "14:15",
     "NanoDet：1.8MB、移动端97fps的Anchor-free目标检测",
     "NanoDet: a 1.8 MB anchor-free detector at 97 fps on a mobile ARM CPU",
     ["demo-a"],
     "超轻量的移动端实时目标检测模型，基于ncnn的C++部署与Android演示。",
     "An ultra-light real-time detector for phones, deployed in C++ on ncnn with an "
     "Android demo."),
    ("5g-ai-big-data", SessionKind.TALK, 26, "14:15", "15:00",
     "TensorFlow 2目标检测API：CenterNet与EfficientDet",
     "TensorFlow 2 Object Detection API: CenterNet and EfficientDet",
     ["demo-b"], "在TF2上训练与部署新一代检测模型。",
     "Training and deploying the new generation of detectors on TF2."),
    ("5g-ai-big-data", SessionKind.TALK, 26, "15:15", "16:00",
     "PaddleHub离线模型：OCR、人脸与目标检测",
     "PaddleHub offline models for OCR, face and object detection",
     ["demo-c"], "无需联网即可在边缘设备上运行的预训练模型。",
     "Pre-trained models that run on edge devices without a network connection."),
    ("5g-ai-big-data", SessionKind.PANEL, 26, "16:00", "17:00",
     "圆桌：5G边缘计算与大数据", "Panel: 5G edge computing meets big data",
     ["demo-a", "demo-b", "demo-c"], "", ""),
    ("chip-machine", SessionKind.TALK, 26, "13:30", "14:15",
     "ncnn移植RISC-V：开源芯片上的神经网络推理",
     "Porting ncnn to RISC-V: neural network inference on open silicon",
     ["demo-d"], "把高性能推理框架带到RISC-V处理器。",
     "Bringing a high-performance inference framework to RISC-V processors."),
    ("chip-machine", SessionKind.TALK, 26, "14:15", "15:00",
     "从模型到整机：ncnn的C++部署实践", "From model to device: deploying with ncnn in C++",
     ["demo-e"], "", ""),
    ("chip-machine", SessionKind.TALK, 26, "15:15", "16:00",
     "国产芯片与整机的协同设计", "Co-designing domestic chips and the machines around them",
     ["demo-d", "demo-e"], "", ""),
    ("chip-machine", SessionKind.PANEL, 26, "16:00", "17:00",
     "圆桌：芯机联动的生态", "Panel: an ecosystem where chips and machines move together",
     ["demo-d", "demo-e", "demo-f"], "", ""),
    # Morning of the 27th: the other two parallel forums.
    ("yrd-embedded-innovation", SessionKind.TALK, 27, "09:00", "09:45",
     "tinygrad：不到1000行代码的深度学习框架",
     "tinygrad: a deep-learning framework in under 1,000 lines",
     ["demo-f"], "极简框架对嵌入式AI的启示。",
     "What a minimal framework teaches embedded AI."),
    ("yrd-embedded-innovation", SessionKind.TALK, 27, "09:45", "10:30",
     "长三角嵌入式软件产业发展报告",
     "The embedded software industry of the Yangtze River Delta: a report",
     ["demo-g"], "", ""),
    ("yrd-embedded-innovation", SessionKind.TALK, 27, "10:45", "11:30",
     "可信嵌入式操作系统在工业控制中的实践",
     "Trusted embedded operating systems in industrial control",
     ["demo-h"], "", ""),
    ("yrd-embedded-innovation", SessionKind.PANEL, 27, "11:30", "12:15",
     "圆桌：长三角嵌入式产业协同",
     "Panel: embedded industry cooperation across the Yangtze River Delta",
     ["demo-f", "demo-g", "demo-h"], "", ""),
    ("yrd-education-talent", SessionKind.TALK, 27, "09:00", "09:45",
     "嵌入式AI课程建设：从NanoDet到ncnn",
     "Teaching embedded AI: from NanoDet to ncnn",
     ["demo-b"], "", ""),
    ("yrd-education-talent", SessionKind.TALK, 27, "09:45", "10:30",
     "全国大学生嵌入式芯片与系统设计竞赛回顾",
     "The national college student embedded chip and system design competition in review",
     ["demo-c"], "", ""),
    ("yrd-education-talent", SessionKind.TALK, 27, "10:45", "11:30",
     "产教融合：嵌入式人才培养的长三角实践",
     "Industry and education together: training embedded engineers in the Yangtze River "
     "Delta",
     ["demo-g"], "", ""),
    ("yrd-education-talent", SessionKind.PANEL, 27, "11:30", "12:15",
     "圆桌：高校与企业联合培养嵌入式人才",
     "Panel: universities and companies training embedded talent together",
     ["demo-b", "demo-c", "demo-h"], "", ""),
    ("main", SessionKind.CEREMONY, 27, "14:00", "16:00",
     "2020第三届全国大学生嵌入式芯片与系统设计竞赛暨第五届智能互联创新大赛总决赛颁奖典礼",
     "Award ceremony of the 3rd National College Student Embedded Chip and System Design "
     "Competition and the 5th Intelligent Interconnection Innovation Competition finals",
     [], "", ""),
]


# The registration form's own questions: an invoice (发票) with its title (抬头) and the
# taxpayer number (纳税人识别号: 15, 18 or 20 letters and digits) asked only of those who
# want one; dietary needs; a hotel room; the day of arrival. All optional but the
# invoice's details, so that registering stays quick.
TAXPAYER_NUMBER = r"[0-9A-Za-z]{15}|[0-9A-Za-z]{18}|[0-9A-Za-z]{20}"
QUESTIONS = [
    {"key": "invoice", "kind": QuestionKind.YES_NO,
     "label_zh": "是否需要开具发票？", "label_en": "Do you need an invoice (发票)?",
     "help_zh": "会务费发票由主办方在会后开具。",
     "help_en": "The organizers issue invoices for the conference fee after the event."},
    {"key": "invoice_title", "kind": QuestionKind.SHORT_TEXT, "required": True,
     "condition": ("invoice", "yes"),
     "label_zh": "发票抬头", "label_en": "Invoice title (抬头)",
     "help_zh": "单位全称，与税务登记一致。",
     "help_en": "Your organisation's full name as registered for tax."},
    {"key": "taxpayer_number", "kind": QuestionKind.SHORT_TEXT, "required": True,
     "condition": ("invoice", "yes"), "pattern": TAXPAYER_NUMBER,
     "label_zh": "纳税人识别号", "label_en": "Taxpayer identification number (纳税人识别号)",
     "help_zh": "15、18 或 20 位字母和数字（统一社会信用代码为 18 位）。",
     "help_en": "15, 18 or 20 letters and digits, such as a unified social credit code "
                "91320000MA1XXXXX0X."},
    {"key": "dietary", "kind": QuestionKind.MULTIPLE,
     "label_zh": "饮食需求", "label_en": "Dietary needs",
     "help_zh": "会议提供午餐和晚宴。", "help_en": "Lunch and the banquet are provided.",
     "choices": [("vegetarian", "素食", "Vegetarian"), ("halal", "清真", "Halal"),
                 ("no-nuts", "坚果过敏", "Nut allergy")]},
    {"key": "hotel", "kind": QuestionKind.YES_NO,
     "label_zh": "是否需要会务组代订酒店？", "label_en": "Shall we book you a hotel room?",
     "help_zh": "协议酒店房间有限，先到先得。",
     "help_en": "The conference hotel has a limited number of rooms at its rate."},
    {"key": "arrival", "kind": QuestionKind.DATE,
     "label_zh": "抵达南京日期", "label_en": "Day of arrival in Nanjing",
     "help_zh": "会议于 2020-11-25 开幕。", "help_en": "The conference opens on 2020-11-25."},
]


def demo_questions(event: Event) -> list[Question]:
    """The demo's questions for ``event``, in order, the invoice's details depending on
    the invoice question."""
    made: dict[str, Question] = {}
    for position, spec in enumerate(QUESTIONS):
        spec = dict(spec)
        key = spec.pop("key")
        condition = spec.pop("condition", None)
        choices = spec.pop("choices", [])
        made[key] = Question(
            event=event, position=position, categories=[], **spec,
            condition_question=made[condition[0]] if condition else None,
            condition_value=condition[1] if condition else "",
            choices=[QuestionChoice(key=choice_key, label_zh=zh, label_en=en, position=index)
                     for index, (choice_key, zh, en) in enumerate(choices)],
        )
    return list(made.values())


def local_time(day: int, clock: str) -> datetime:
    """A time on the given day of November 2020 in Nanjing."""
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(date(2020, 11, day), time(hours, minutes), tzinfo=ZONE)


def load_demo(session: Session) -> Event | None:
    """Add Embedded China 2020 unless it is there already; the caller commits.
    Returns the new event, or None when it was already loaded."""
    if session.scalars(select(Event).where(Event.slug == SLUG)).first() is not None:
        return None
    event = Event(**EVENT)
    event.co_hosts = [
        CoHost(name_zh=zh, name_en=en, role=CoHostRole.CO_HOST, position=position)
        for position, (zh, en) in enumerate(CO_HOSTS, start=1)
    ]
    forums = {
        spec["slug"]: Forum(position=position, **spec)
        for position, spec in enumerate(FORUMS, start=1)
    }
    event.forums = list(forums.values())
    speakers = {key: Speaker(**spec) for key, spec in SPEAKERS.items()}
    event.speakers = list(speakers.values())
    for forum_slug, kind, day, start, end, title_zh, title_en, names, abstract_zh, abstract_en in (
        SESSIONS
    ):
        item = ProgrammeSession(
            forum=forums[forum_slug],
            kind=kind,
            title_zh=title_zh,
            title_en=title_en,
            abstract_zh=abstract_zh,
            abstract_en=abstract_en,
            starts_at=local_time(day, start),
            ends_at=local_time(day, end),
        )
        item.speakers.extend(speakers[name] for name in names)
        event.sessions.append(item)
    session.add(event)
    session.add_all(demo_questions(event))
    session.add_all(default_reminders(event))
    return event


def start_next_edition(session: Session, event: Event) -> Event:
    """The 2021 edition as a draft cloned from ``event`` (commits): the archive at work
    without inventing a history that did not happen."""
    return clone_event(session, None, event, NEXT_EDITION_SLUG, NEXT_EDITION_STARTS_ON)
