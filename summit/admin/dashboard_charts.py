"""The dashboard's charts as plain figures: each is a table (a row per day, hour, forum
or category; a column per series), drawn by dashboard_svg, shown beside its chart and
downloadable as CSV.

A chart is one function registered with ``@dashboard_chart(slug, order)``: it takes the
session and the event, runs a grouped query or two (never one per row) and returns a
Chart, several (slugs ``slug-…``, as one per question would), or None when it has
nothing to show. The dashboard (chart, table, CSV link) and /dashboard/<slug>.csv pick
it up from CHART_BUILDERS; nothing else needs to change.

Days and hours are the event's. PostgreSQL groups in the event's time zone itself; SQLite
has no time zones, so it groups by UTC quarter hour and Python moves each quarter into
the event's zone (every zone's offset from UTC is a whole number of quarter hours, so no
quarter straddles a local day or hour): a few thousand rows at most for a month of
registrations, however many registrations there are.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import ColumnElement, Integer, String, cast, func, select
from sqlalchemy.orm import Session

from ..checkin.sync import attendance_per_forum, attendance_per_session
from ..i18n import format_clock, format_short_day, localized, to_local
from ..labels import CATEGORIES
from ..models import (
    Answer,
    Event,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
)
from ..registration import questions
from ..registration.service import choosable_forums
from .registrations.csv_io import neutralise

Unit = Literal["day", "hour"]
QUARTER = 15 * 60  # seconds
# How a series is drawn: "bar" a count (bars; on a time line, a thin dotted line), "line"
# a running total (a thick line), "limit" a capacity (dashed), "table" not at all (a
# column of the table only).
Look = Literal["bar", "line", "limit", "table"]
Shape = Literal["days", "bars", "columns"]


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int | None]
    look: Look = "bar"
    # Drawn against an axis of its own on the right (a small count beside a large one).
    secondary: bool = False
    # What the table and the CSV say where there is no value (a forum without a limit).
    blank: str = ""

    def cell(self, index: int) -> str:
        value = self.values[index]
        return self.blank if value is None else str(value)


@dataclass(frozen=True)
class Row:
    label: str
    # What the CSV says instead of the label (an ISO date a spreadsheet reads as a date).
    csv_label: str | None = None
    # The registrations list's filters that show who is behind the row.
    filters: dict[str, str] | None = None


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    # The name of the rows' column: Day, Hour, Forum, Category.
    row_heading: str
    rows: list[Row]
    series: list[Series]
    # days: a time line; bars: horizontal bars (long names); columns: vertical bars.
    shape: Shape = "columns"
    note: str = ""

    def table(self) -> list[list[str]]:
        """The rows as the table shows them: the row's label, then each series' value."""
        return [[row.label, *(series.cell(index) for series in self.series)]
                for index, row in enumerate(self.rows)]

    @property
    def plotted(self) -> list[Series]:
        return [series for series in self.series if series.look != "table"]


ChartBuilder = Callable[[Session, Event], "Chart | Iterable[Chart] | None"]


@dataclass(frozen=True)
class _Entry:
    order: int
    slug: str
    builder: ChartBuilder

    def builds(self, slug: str) -> bool:
        """Whether ``slug`` is this builder's chart, or one of its charts (slug-…)."""
        return slug == self.slug or slug.startswith(f"{self.slug}-")


@dataclass
class _Registry:
    entries: list[_Entry] = field(default_factory=list)

    def add(self, order: int, slug: str) -> Callable[[ChartBuilder], ChartBuilder]:
        def register(builder: ChartBuilder) -> ChartBuilder:
            self.entries = sorted([*self.entries, _Entry(order, slug, builder)],
                                  key=lambda entry: entry.order)
            return builder
        return register


CHART_BUILDERS = _Registry()


def dashboard_chart(slug: str, order: int) -> Callable[[ChartBuilder], ChartBuilder]:
    """Put the chart ``slug`` on the dashboard, at ``order`` (smaller first). A builder
    that draws several charts (one per question) names them ``slug-…``."""
    return CHART_BUILDERS.add(order, slug)


def _built(entries: Iterable[_Entry], session: Session, event: Event) -> list[Chart]:
    found: list[Chart] = []
    for entry in entries:
        built = entry.builder(session, event)
        if built is None:
            continue
        found.extend([built] if isinstance(built, Chart) else built)
    return found


def charts(session: Session, event: Event) -> list[Chart]:
    """Every chart of the event's dashboard, in order."""
    return _built(CHART_BUILDERS.entries, session, event)


def chart_named(session: Session, event: Event, slug: str) -> Chart | None:
    """The chart ``slug`` (only its builder runs), or None."""
    builders = [entry for entry in CHART_BUILDERS.entries if entry.builds(slug)]
    return next((chart for chart in _built(builders, session, event) if chart.slug == slug),
                None)


def chart_csv(chart: Chart) -> bytes:
    """The chart's table as CSV: UTF-8 with BOM (Excel reads Chinese right), a header row,
    every cell inert for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(chart.row_heading),
                     *(neutralise(series.name) for series in chart.series)])
    for row, cells in zip(chart.rows, chart.table(), strict=True):
        label = row.csv_label if row.csv_label is not None else row.label
        writer.writerow([neutralise(label), *cells[1:]])
    return buffer.getvalue().encode("utf-8-sig")


# --- counting in the event's time ---------------------------------------------------


def local_counts(session: Session, moment: ColumnElement, event: Event, unit: Unit,
                 *conditions: ColumnElement[bool]) -> Counter[datetime]:
    """How many of the event's registrations meeting ``conditions`` have ``moment`` in
    each local day or hour: keys are the (naive, local) starts of the days or hours. One
    grouped query."""
    where = [Registration.event_id == event.id, moment.is_not(None), *conditions]
    counts: Counter[datetime] = Counter()
    if session.get_bind().dialect.name == "postgresql":
        # date_trunc over the local time: exact, and twice as fast as to_char.
        bucket = func.date_trunc(unit, func.timezone(event.timezone, moment))
        rows = session.execute(select(bucket, func.count()).where(*where).group_by(bucket))
        counts.update(dict(rows.all()))
        return counts
    # The quarter hours since 1970, UTC: one integer to group by. julianday() holds whole
    # milliseconds (rounded back from its fraction of a day), and is faster than
    # strftime('%s'); unixepoch() would be, but needs SQLite 3.38.
    since_1970 = func.round((func.julianday(moment) - 2440587.5) * 86_400_000)
    quarter = cast(since_1970, Integer) // (QUARTER * 1000)
    rows = session.execute(select(quarter, func.count()).where(*where).group_by(quarter))
    zone = ZoneInfo(event.timezone)
    for number_of_quarters, number in rows:
        local = datetime.fromtimestamp(number_of_quarters * QUARTER, zone).replace(tzinfo=None)
        counts[local.replace(hour=0 if unit == "day" else local.hour, minute=0)] += number
    return counts


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


# --- the charts -----------------------------------------------------------------------


@dashboard_chart("registrations-per-day", order=10)
def registrations_per_day(session: Session, event: Event) -> Chart | None:
    """Registrations made each day (whatever became of them), those cancelled that day,
    and how many stood at the end of the day (made so far less cancelled so far), against
    the event's capacity. Days without any included; the last total is the registrations
    confirmed or waiting now."""
    made = local_counts(session, Registration.created_at, event, "day")
    cancelled = local_counts(session, Registration.cancelled_at, event, "day",
                             Registration.status == RegistrationStatus.CANCELLED)
    if not made:
        return None
    days = _days(min(made | cancelled).date(), max(made | cancelled).date())
    new = [made[datetime.combine(day, datetime.min.time())] for day in days]
    gone = [cancelled[datetime.combine(day, datetime.min.time())] for day in days]
    totals, total = [], 0
    for arrived, left in zip(new, gone, strict=True):
        total += arrived - left
        totals.append(total)
    series = [
        Series(_("New registrations"), new, "bar", secondary=True),
        Series(_("Cancelled"), gone, "table"),
        Series(_("Registered, less cancellations"), totals, "line"),
    ]
    note = ""
    if event.capacity is not None:
        series.append(Series(pgettext("event's places", "Capacity"),
                             [event.capacity] * len(days), "limit"))
        note = _("Beyond the capacity of %(capacity)d, registrations wait on the waiting "
                 "list.", capacity=event.capacity)
    return Chart(
        slug="registrations-per-day", title=_("Registrations per day"),
        row_heading=_("Day"),
        rows=[Row(format_short_day(day), day.isoformat()) for day in days],
        series=series, shape="days", note=note,
    )


@dashboard_chart("seats-per-forum", order=20)
def seats_per_forum(session: Session, event: Event) -> Chart | None:
    """Seats taken and people waiting in each parallel forum, beside its capacity. Only
    confirmed registrations queue for a seat (the others wait for a place at the event
    first)."""
    forums = choosable_forums(session, event)
    if not forums:
        return None
    rows = session.execute(
        select(Seat.forum_id, Seat.status, func.count())
        .join(Registration)
        .where(
            Seat.forum_id.in_([forum.id for forum in forums]),
            Seat.status != SeatStatus.CANCELLED,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Seat.forum_id, Seat.status)
    )
    counts = {(forum_id, status): number for forum_id, status, number in rows}
    return Chart(
        slug="seats-per-forum", title=_("Seats per forum"), row_heading=_("Forum"),
        rows=[Row(str(localized(forum, "name")), filters={"forum": str(forum.id)})
              for forum in forums],
        series=[
            Series(_("Seats taken"),
                   [counts.get((forum.id, SeatStatus.CONFIRMED), 0) for forum in forums]),
            Series(_("Waiting"),
                   [counts.get((forum.id, SeatStatus.WAITLISTED), 0) for forum in forums]),
            Series(_("Capacity"), [forum.capacity for forum in forums], "limit",
                   blank=_("open")),
        ],
        shape="bars",
        note=_("An open forum seats as many as the event admits."),
    )


@dashboard_chart("categories", order=30)
def categories(session: Session, event: Event) -> Chart | None:
    """Registrations confirmed and waiting in each category (cancelled ones left out)."""
    rows = session.execute(
        select(Registration.category, Registration.status, func.count())
        .where(Registration.event_id == event.id,
               Registration.status != RegistrationStatus.CANCELLED)
        .group_by(Registration.category, Registration.status)
    )
    counts = {(category, status): number for category, status, number in rows}
    if not counts:
        return None
    return Chart(
        slug="categories", title=_("Categories"), row_heading=_("Category"),
        rows=[Row(str(name), filters={"category": category.value})
              for category, name in CATEGORIES.items()],
        series=[
            Series(_("Confirmed"), [counts.get((category, RegistrationStatus.CONFIRMED), 0)
                                    for category in CATEGORIES]),
            Series(_("On the waiting list"),
                   [counts.get((category, RegistrationStatus.WAITLISTED), 0)
                    for category in CATEGORIES]),
        ],
        shape="bars",
    )


@dashboard_chart("check-ins-per-hour", order=40)
def check_ins_per_hour(session: Session, event: Event) -> Chart | None:
    """Arrivals in each hour of the event's days (confirmed registrations checked in),
    from each day's first hour with an arrival to its last; nothing before the first."""
    counts = local_counts(session, Registration.checked_in_at, event, "hour",
                          Registration.status == RegistrationStatus.CONFIRMED)
    if not counts:
        return None
    hours: list[datetime] = []
    for day in sorted({hour.date() for hour in counts}):
        of_day = [hour for hour in counts if hour.date() == day]
        first, last = min(of_day), max(of_day)
        hours.extend(first + timedelta(hours=offset)
                     for offset in range(int((last - first).total_seconds()) // 3600 + 1))
    return Chart(
        slug="check-ins-per-hour", title=_("Check-ins per hour"), row_heading=_("Hour"),
        rows=[Row(f"{format_short_day(hour.date())} {hour:%H}:00", f"{hour:%Y-%m-%d %H}:00")
              for hour in hours],
        series=[Series(_("Check-ins"), [counts[hour] for hour in hours])],
        shape="columns",
    )



@dashboard_chart("attendance", order=45)
def attendance(session: Session, event: Event) -> list[Chart]:
    """Who came through each forum's door (each person once), against the seats taken;
    and per session, who came in during it or in the half hour before (door scans)."""
    per_forum = attendance_per_forum(session, event.id)
    if not per_forum:
        return []
    forums = sorted(event.forums, key=lambda forum: (forum.position, forum.id))
    taken = dict(session.execute(
        select(Seat.forum_id, func.count()).where(
            Seat.forum_id.in_([forum.id for forum in forums]),
            Seat.status == SeatStatus.CONFIRMED)
        .group_by(Seat.forum_id)).all())
    charts = [Chart(
        slug="attendance-forums", title=_("Attendance per forum"), row_heading=_("Forum"),
        rows=[Row(str(localized(forum, "name")), filters={"forum": str(forum.id)})
              for forum in forums],
        series=[Series(_("Came in at the door"), [per_forum.get(forum.id, 0) for forum in forums]),
                Series(_("Seats taken"), [taken.get(forum.id) for forum in forums], "table",
                       blank=_("open"))],
        shape="bars",
        note=_("Counted from the scans at each forum's door, each person once."),
    )]
    sessions = attendance_per_session(session, event.id)
    if sessions:
        charts.append(Chart(
            slug="attendance-sessions", title=_("Attendance per session"),
            row_heading=_("Session"),
            rows=[Row(f"{format_short_day(to_local(item.starts_at, event.timezone).date())} "
                      f"{format_clock(item.starts_at, event.timezone)} "
                      f"{localized(item.forum, 'name')} · {localized(item, 'title')}")
                  for item, _count in sessions],
            series=[Series(_("Came in at the door"), [count for _item, count in sessions])],
            shape="bars",
            note=_("People scanned at the forum's door during the session or in the half "
                   "hour before it began."),
        ))
    return charts


@dashboard_chart("answers", order=35)
def answers(session: Session, event: Event) -> list[Chart]:
    """For each choice and yes/no question on the form, how many registrations (cancelled
    ones left out) gave each answer; one grouped query for all of them, by the answer's
    JSON text (several choices count once for each option they hold)."""
    asked = [question for question in questions.event_questions(session, event.id)
             if question.kind in questions.CONDITION_KINDS]
    if not asked:
        return []
    rows = session.execute(
        select(Answer.question_id, cast(Answer.value, String), func.count())
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Answer.question_id.in_([question.id for question in asked]),
               Registration.status != RegistrationStatus.CANCELLED)
        .group_by(Answer.question_id, cast(Answer.value, String))
    )
    counts: Counter[tuple[int, str]] = Counter()
    for question_id, text, number in rows:
        value = json.loads(text)
        for key in value if isinstance(value, list) else [value]:
            counts[question_id, key if isinstance(key, str) else
                   (questions.YES if key else questions.NO)] += number
    charts = []
    for question in asked:
        if question.kind == QuestionKind.YES_NO:
            options = [(questions.YES, _("Yes")), (questions.NO, _("No"))]
        else:
            # A retired option still counts the answers that hold it.
            options = [(choice.key, str(localized(choice, "label")))
                       for choice in question.choices
                       if not choice.retired or counts[question.id, choice.key]]
        if not any(counts[question.id, key] for key, _label in options):
            continue
        name = questions.field_name(question)
        charts.append(Chart(
            slug=f"answers-{question.id}", title=str(localized(question, "label")),
            row_heading=_("Answer"),
            rows=[Row(label, filters={"answer": f"{name}:{key}"})
                  for key, label in options],
            series=[Series(_("Registrations"), [counts[question.id, key]
                                                for key, _label in options])],
            shape="bars",
        ))
    return charts
