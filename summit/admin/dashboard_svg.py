"""A dashboard chart as SVG, drawn on the server by pygal (Kozea's, who also make
WeasyPrint) and put inline in the page: no script runs and nothing is fetched, so the
page's Content-Security-Policy (scripts from our files only) holds.

pygal writes a <script> with its tooltips' settings into every chart and links its
tooltips' script from elsewhere; both are taken out here (``js=[]`` and an XML filter),
leaving shapes, text and a <style> (inline styles are allowed). The series are told
apart by more than colour: the line of totals has dots, a limit is a dashed outline,
the second series of bars is hatched, and every bar carries its number. The figures
themselves are in the table beside the chart.
"""

from __future__ import annotations

from unicodedata import east_asian_width

import pygal
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

from .dashboard_charts import Chart, Series

# Fonts with Chinese first: the chart's text is the page's, drawn by the browser.
FONT = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
        '"WenQuanYi Micro Hei", system-ui, sans-serif')
# Okabe and Ito's colours, told apart with every common colour blindness.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#555555", "#CC79A7", "#E69F00", "#56B4E9")
STYLE = Style(
    font_family=FONT, background="transparent", plot_background="transparent",
    foreground="#333", foreground_strong="#111", foreground_subtle="#ccc",
    # Grid lines solid and light: a dashed line is a limit (the capacity).
    guide_stroke_dasharray="1,0", major_guide_stroke_dasharray="1,0",
    guide_stroke_color="#ccc", major_guide_stroke_color="#999",
    colors=COLOURS, opacity=".85", opacity_hover="1",
    label_font_size=13, major_label_font_size=13, legend_font_size=14,
    value_font_size=12, title_font_size=16,
)
# More days than this and only every week's label is written.
DAYS_LABELLED = 16
DAYS_DOTTED = 31
SVG = "{http://www.w3.org/2000/svg}"


def render_svg(chart: Chart, labelled_by: str) -> Markup:
    """The chart as an inline <svg>, named by the element ``labelled_by`` (its heading)."""
    graph = _graph(chart)
    graph.add_xml_filter(_tidy(chart, labelled_by))
    # pygal lays horizontal bars out from the bottom up: reversed, they read as the table.
    order = slice(None, None, -1) if chart.shape == "bars" else slice(None)
    labels = [row.label for row in chart.rows][order]
    graph.x_labels = labels
    if chart.shape == "days" and len(labels) > DAYS_LABELLED:
        graph.x_labels_major = labels[::7]
        graph.show_minor_x_labels = False
    if chart.shape == "days":
        _whole_number_axes(graph, chart)
    for series in chart.plotted:
        name = (_("%(series)s (right axis)", series=series.name) if series.secondary
                else series.name)
        graph.add(name, series.values[order], **_series_options(chart, series))
    return Markup(graph.render())


def _ticks(top: int, steps: int = 5) -> tuple[int, int]:
    """A round step (1, 2 or 5 times a power of ten) and how many of them reach ``top``."""
    rough = max(top, 1) / steps
    power = 10 ** max(len(str(int(rough))) - 1, 0)
    step = next(power * factor for factor in (1, 2, 5, 10) if power * factor >= rough)
    return step, -(-max(top, 1) // step)


def _whole_number_axes(graph, chart: Chart) -> None:
    """Axes labelled with whole numbers on both sides: pygal places the right axis's
    labels at the left's, so its range is made the same number of whole steps."""
    left = [value for series in chart.plotted if not series.secondary
            for value in series.values if value is not None]
    right = [value for series in chart.plotted if series.secondary
             for value in series.values if value is not None]
    step, count = _ticks(max(left, default=1))
    graph.range = (0, step * count)
    graph.y_labels = [step * index for index in range(count + 1)]
    if right:
        right_step = -(-max(max(right), 1) // count)
        graph.secondary_range = (0, right_step * count)


def _graph(chart: Chart):
    common = {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        # The time line's series have long names: two to a row.
        "legend_at_bottom_columns": min(len(chart.plotted), 2 if chart.shape == "days" else 3),
        "width": 680,
        "margin": 8,
        "print_zeroes": False,
        "min_scale": 2,
        "max_scale": 8,
        "truncate_label": -1,
        "truncate_legend": -1,
        "include_x_axis": True,
    }
    if chart.shape == "days":
        # Dots on a month's days at most: beyond, they crowd (and slow) the drawing.
        return pygal.Line(height=320, x_label_rotation=30,
                          show_dots=len(chart.rows) <= DAYS_DOTTED, dots_size=3, **common)
    if chart.shape == "bars":
        return pygal.HorizontalBar(height=120 + 56 * max(len(chart.rows), 1),
                                   print_values=True, print_values_position="top",
                                   margin_left=common["margin"] + _wide_room(chart),
                                   **common)
    return pygal.Bar(height=320, print_values=True, print_values_position="top",
                     x_label_rotation=30 if len(chart.rows) > 8 else 0, **common)


def _wide_room(chart: Chart) -> float:
    """pygal makes room for a label as if each character were 0.6 em wide; Chinese
    characters take a whole em: the room the widest label lacks."""
    wide = max((sum(1 for char in row.label if east_asian_width(char) in "WF")
                for row in chart.rows), default=0)
    return 0.4 * STYLE.label_font_size * wide


def _series_options(chart: Chart, series: Series) -> dict:
    options: dict = {"secondary": series.secondary}
    if chart.shape != "days":
        return options
    if series.look == "limit":
        options.update(show_dots=False, stroke_style={"width": 2.5, "dasharray": "10, 6"})
    elif series.look == "bar":
        # Each day's new registrations: thin, dotted, against the axis on the right.
        options.update(dots_size=2, stroke_style={"width": 1.5, "dasharray": "2, 3"})
    else:
        options.update(stroke_style={"width": 3})
    return options


def _tidy(chart: Chart, labelled_by: str):
    """The XML filter: no scripts (nor comments); the chart named for assistive
    technology; hatching and outlines that do not depend on colour."""
    hatched = [index for index, series in enumerate(chart.plotted)
               if series.look == "bar" and index % 2 == 1 and chart.shape != "days"]
    limits = [index for index, series in enumerate(chart.plotted) if series.look == "limit"]

    def tidy(root):
        for parent in list(root.iter()):
            for child in list(parent):
                # Scripts out; and pygal's comments, which name its web site.
                if child.tag in ("script", f"{SVG}script") or child.tag is etree.Comment:
                    parent.remove(child)
        chart_id = root.get("id")
        root.set("role", "img")
        root.set("aria-labelledby", labelled_by)
        title = next((node for node in root.iter() if node.tag in ("title", f"{SVG}title")),
                     None)
        if title is not None:
            title.text = chart.title
        defs = next(node for node in root.iter() if node.tag in ("defs", f"{SVG}defs"))
        rules = []
        for index in hatched:
            pattern = f"{chart_id}-hatch-{index}"
            colour = COLOURS[index % len(COLOURS)]
            defs.append(etree.fromstring(
                f'<pattern id="{pattern}" '
                f'width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)">'
                f'<rect width="6" height="6" fill="{colour}" fill-opacity=".35"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/>'
                f'</pattern>'))
            rules.append(f"#{chart_id} .serie-{index} .rect, #{chart_id} .legend "
                         f"rect.color-{index} {{ fill: url(#{pattern}); stroke: {colour}; "
                         f"stroke-width: 1; }}")
        if chart.shape != "days":
            for index in limits:
                rules.append(f"#{chart_id} .serie-{index} .rect, #{chart_id} .legend "
                             f"rect.color-{index} {{ fill: none; stroke-width: 2; "
                             f"stroke-dasharray: 5, 3; }}")
        if rules:
            style = etree.SubElement(defs, "style")
            style.text = "\n".join(rules)
        return root

    return tidy
