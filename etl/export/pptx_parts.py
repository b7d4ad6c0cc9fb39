"""Building blocks of the giao ban deck: slide canvas, text that fits its box, native tables and charts.

Numbers are shown in Vietnamese format whatever the viewer's locale: counts use a number format
with a literal "." ('#"."##0', live and editable), rates carry explicit data-label text ('57,7%').
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from etl.export.fitting import fit_size

FONT = "Arial"  # PowerPoint has it; LibreOffice maps it to Liberation Sans (full Vietnamese)
NAVY = RGBColor(0x1F, 0x3A, 0x68)
RED = RGBColor(0xB7, 0x1C, 0x1C)
GREEN = RGBColor(0x1B, 0x7F, 0x3B)
GREY = RGBColor(0x59, 0x59, 0x59)
LIGHT = RGBColor(0xE8, 0xEE, 0xF6)
HIGHLIGHT = RGBColor(0x7B, 0x1F, 0xA2)  # the unit a unit-scope deck is about, among its cluster
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
SERIES_COLORS = (RGBColor(0x1F, 0x5F, 0xAF), RGBColor(0xE0, 0x8A, 0x1E), RGBColor(0x3A, 0x9D, 0x5D))
# Vietnamese thousands separator as a literal: 4819 -> "4.819" in every locale.
COUNT_FORMAT = '[>=1000000]#"."###"."##0;[>=1000]#"."##0;0'
MARGIN = Inches(0.5)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int

    def split(self, n: int, gap: int = Inches(0.3)) -> list["Box"]:
        """n boxes side by side."""
        w = (self.width - gap * (n - 1)) // n
        return [Box(self.left + i * (w + gap), self.top, w, self.height) for i in range(n)]


class Deck:
    """A presentation (16:9 by default, or the agency template) with titled content slides."""

    def __init__(self, template: str = "", footer: str = ""):
        self.templated = bool(template) and Path(template).is_file()
        self.prs = Presentation(template if self.templated else None)
        if self.templated:
            _drop_slides(self.prs)
        else:
            self.prs.slide_width, self.prs.slide_height = Inches(13.333), Inches(7.5)
        self.footer = footer
        self.width, self.height = self.prs.slide_width, self.prs.slide_height

    def _layout(self, title_only: bool):
        layouts = list(self.prs.slide_layouts)
        if not self.templated:
            return layouts[6]  # Blank: the default template's placeholders are laid out for 4:3
        if not title_only:
            return layouts[0]
        named = [lay for lay in layouts if "title only" in lay.name.lower() or "tiêu đề" in lay.name.lower()]
        return named[0] if named else (layouts[5] if len(layouts) > 5 else layouts[-1])

    def title_slide(self, lines: list[tuple[str, int, bool]]):
        """lines: (text, size pt, bold); centred on the slide (or in the template's title layout)."""
        slide = self.prs.slides.add_slide(self._layout(title_only=False))
        if self.templated and slide.shapes.title is not None:
            t = slide.shapes.title  # the template's own title layout: main line, then the rest
            _fill_placeholder(t, [lines[1]], 40, 20)
            for ph in slide.placeholders:
                if ph.placeholder_format.idx == 1:
                    _fill_placeholder(ph, [lines[2], lines[0], *lines[3:]], 24, 12)
            return slide
        band = slide.shapes.add_shape(1, 0, Inches(2.2), self.width, Inches(2.9))
        band.fill.solid(), setattr(band.fill.fore_color, "rgb", NAVY)
        band.line.fill.background()
        full = self.width - 2 * MARGIN
        add_text(slide, Box(MARGIN, Inches(0.7), full, Inches(1.2)), [(t, s, b, NAVY) for t, s, b in lines[:1]],
                 align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE)
        add_text(slide, Box(MARGIN, Inches(2.3), full, Inches(2.7)), [(t, s, b, WHITE) for t, s, b in lines[1:3]],
                 align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE, space_after=14)
        add_text(slide, Box(MARGIN, Inches(5.4), full, Inches(1.5)), [(t, s, b, GREY) for t, s, b in lines[3:]],
                 align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.TOP, space_after=10)
        return slide

    def content_area(self) -> Box:
        """The free area below a content slide's title."""
        layout, top = self._layout(title_only=True), Inches(1.15)
        if self.templated:
            title = next((ph for ph in layout.placeholders if ph.placeholder_format.type == 1), None)
            top = title.top + title.height + Inches(0.1) if title is not None else Inches(0.5)
        return Box(MARGIN, top, self.width - 2 * MARGIN, self.height - Inches(0.55) - top)

    def content_slide(self, title: str):
        """A slide with its title; returns (slide, Box of the free area below the title)."""
        slide = self.prs.slides.add_slide(self._layout(title_only=True))
        area = self.content_area()
        if self.templated and slide.shapes.title is not None:
            _fill_placeholder(slide.shapes.title, [(title, 32, True)], 32, 16)
        else:
            bar = slide.shapes.add_shape(1, 0, 0, self.width, Inches(0.95))
            bar.fill.solid(), setattr(bar.fill.fore_color, "rgb", NAVY)
            bar.line.fill.background()
            add_text(slide, Box(MARGIN, Inches(0.1), self.width - 2 * MARGIN, Inches(0.8)),
                     [(title, fit_size(title, self.width - 2 * MARGIN, Inches(0.8), 28, 18), True, WHITE)],
                     anchor=MSO_ANCHOR.MIDDLE)
        n = len(self.prs.slides)
        add_text(slide, Box(MARGIN, self.height - Inches(0.45), self.width - 2 * MARGIN, Inches(0.35)),
                 [(f"{self.footer}   |   {n}", 10, False, GREY)], align=PP_ALIGN.RIGHT)
        return slide, area

    def save(self, target) -> None:
        self.prs.save(target)


def _fill_placeholder(ph, lines: list[tuple], largest: int, smallest: int) -> None:
    """Text in a template placeholder at a size that fits it (its own style would overflow)."""
    texts = [t for t, *_ in lines]
    size = fit_size(texts, ph.width, ph.height, largest, smallest, spacing=1.2, gap_lines=0.2)
    tf = ph.text_frame
    tf.clear()
    tf.word_wrap = True
    for i, (text, *rest) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        _font(run.font, size if i == 0 else max(smallest, int(size * 0.8)), bool(rest[1]) if len(rest) > 1 else False)


def _drop_slides(prs) -> None:
    """A template may hold example slides: keep its masters and layouts only."""
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)


def add_text(slide, box: Box, paras: list[tuple], align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP,
             space_after: int = 6):
    """paras: (text, size, bold[, color]); word-wrapped inside box."""
    shape = slide.shapes.add_textbox(box.left, box.top, box.width, box.height)
    tf = shape.text_frame
    tf.word_wrap, tf.vertical_anchor = True, anchor
    for i, spec in enumerate(paras):
        text, size, bold = spec[:3]
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment, p.space_after = align, Pt(space_after)
        run = p.add_run()
        run.text = text
        _font(run.font, size, bold, spec[3] if len(spec) > 3 else None)
    return shape


def _font(font, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    font.name, font.size, font.bold = FONT, Pt(size), bold
    if color is not None:
        font.color.rgb = color


def add_table(slide, box: Box, header: list[str], rows: list[list[str]], widths: list[float],
              size: int = 14, colors: dict[tuple[int, int], RGBColor] | None = None,
              aligns: str = "", bold_rows: frozenset[int] = frozenset()):
    """A native table; widths are shares of box.width; aligns: one of 'lcr' per column
    (default: first column left, others right)."""
    aligns = aligns or "l" + "r" * (len(header) - 1)
    size = max(9, min(size, int(Emu(box.height).pt / ((len(rows) + 1) * 2.0))))  # rows fit the box
    where = {"l": PP_ALIGN.LEFT, "c": PP_ALIGN.CENTER, "r": PP_ALIGN.RIGHT}
    row_h = int(Pt(size * 2.0))
    height = min(box.height, row_h * (len(rows) + 1))
    shape = slide.shapes.add_table(len(rows) + 1, len(header), box.left, box.top, box.width, height)
    table = shape.table
    total = sum(widths)
    for j, w in enumerate(widths):
        table.columns[j].width = int(box.width * w / total)
    for i, values in enumerate([header] + rows):
        table.rows[i].height = row_h
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.margin_top = cell.margin_bottom = Pt(2)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            p = cell.text_frame.paragraphs[0]
            p.alignment = PP_ALIGN.CENTER if i == 0 and aligns[j] != "l" else where[aligns[j]]
            run = p.add_run()
            run.text = value
            _font(run.font, size, bold=i == 0 or (i - 1) in bold_rows, color=(colors or {}).get((i - 1, j)))
    return shape


def add_bar_chart(slide, box: Box, categories: list[str], series: list[tuple[str, list]],
                  *, title: str = "", labels: list[list[str]] | None = None, size: int = 12,
                  horizontal: bool = True, color: int = 0, show_names: bool = True,
                  highlight: int | None = None):
    """Native clustered bar chart, data embedded; labels: explicit data-label text per point."""
    data = CategoryChartData(number_format=COUNT_FORMAT)
    data.categories = categories
    for name, values in series:
        data.add_series(name, [None if v is None else v for v in values])
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    chart = slide.shapes.add_chart(kind, box.left, box.top, box.width, box.height, data).chart
    _style_chart(chart, title, size, legend=len(series) > 1)
    if horizontal:
        chart.category_axis.reverse_order = True  # first category at the top
    if not show_names:  # a panel beside one that names the same rows
        chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.NONE
    chart.plots[0].gap_width = 60 if len(series) == 1 else 40
    chart.plots[0].overlap = 0
    for k, s in enumerate(chart.series):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = SERIES_COLORS[(k + color) % len(SERIES_COLORS)]
        s.invert_if_negative = False
        _label_series(s, size, labels[k] if labels else None)
        if highlight is not None and 0 <= highlight < len(categories):
            point = s.points[highlight]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = HIGHLIGHT
    return chart


def add_line_chart(slide, box: Box, categories: list[str], series: list[tuple[str, list]],
                   *, title: str = "", labels: list[list[str]] | None = None, size: int = 12):
    data = CategoryChartData(number_format=COUNT_FORMAT)
    data.categories = categories
    for name, values in series:
        data.add_series(name, values)
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, box.left, box.top, box.width,
                                   box.height, data).chart
    _style_chart(chart, title, size, legend=len(series) > 1)
    for k, s in enumerate(chart.series):
        s.smooth = False
        s.format.line.color.rgb = SERIES_COLORS[k % len(SERIES_COLORS)]
        s.format.line.width = Pt(2.5)
        s.marker.format.fill.solid()
        s.marker.format.fill.fore_color.rgb = SERIES_COLORS[k % len(SERIES_COLORS)]
        _label_series(s, size, labels[k] if labels else None, position=XL_LABEL_POSITION.ABOVE)
    return chart


def _style_chart(chart, title: str, size: int, legend: bool) -> None:
    chart.font.name, chart.font.size = FONT, Pt(size)
    chart.has_title = bool(title)
    if title:
        chart.chart_title.text_frame.text = title
        _font(chart.chart_title.text_frame.paragraphs[0].runs[0].font, size + 2, True, NAVY)
    chart.has_legend = legend
    if legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        chart.legend.font.size = Pt(size)
    value_axis = chart.value_axis
    value_axis.visible = False  # data labels carry the figures; an axis would use the viewer's locale
    value_axis.has_major_gridlines = False
    value_axis.minimum_scale = 0
    chart.category_axis.tick_labels.font.size = Pt(size)
    chart.category_axis.format.line.color.rgb = GREY
    _every_label(chart.category_axis)


def _every_label(axis) -> None:
    """Show every category name (viewers otherwise skip some when space is short)."""
    from pptx.oxml.ns import qn
    from lxml import etree
    ax = axis._element
    for old in ax.findall(qn("c:tickLblSkip")):
        ax.remove(old)
    skip = etree.SubElement(ax, qn("c:tickLblSkip"))
    skip.set("val", "1")
    # schema order: tickLblSkip comes after c:lblOffset / c:lblAlgn, before c:tickMarkSkip/noMultiLvlLbl
    anchor = ax.find(qn("c:noMultiLvlLbl"))
    if anchor is not None:
        anchor.addprevious(skip)


def _label_series(series, size: int, texts: list[str] | None, position=None) -> None:
    dl = series.data_labels
    dl.show_value = True
    dl.number_format, dl.number_format_is_linked = COUNT_FORMAT, False
    dl.font.size, dl.font.name = Pt(size), FONT
    if position is not None:
        dl.position = position
    for i, text in enumerate(texts or []):
        if text:
            tf = series.points[i].data_label.text_frame
            tf.text = text
            _font(tf.paragraphs[0].runs[0].font, size)
