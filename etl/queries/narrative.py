"""Report sentences in the official style of a giao ban report (seed 001), built from figures.

"Trong 6 tháng đầu năm 2024, cấp ủy các huyện, thị xã, thành phố cụm đồng bằng đã ban hành
129 văn bản …; tổ chức 50 hội nghị quán triệt, tuyên truyền với 4.819 lượt người tham dự; …
đã đăng ký và tổ chức thực hiện 891 mô hình “Dân vận khéo”, trong đó được công nhận 514 mô
hình, đạt 57,7%."

Pure functions over the dicts `etl.queries.summary.totals` returns (indicator code -> int | None,
'recognition_rate' -> float | None, 'units_reported', 'units_expected'). A figure that was
not reported is left out of the sentence, never printed as 0. Indicators are named by their
roles (etl.catalog.catalogue); the comparison sentence compares those the catalogue gives a phrase.
"""
from __future__ import annotations

from collections.abc import Sequence

from etl.catalog.catalogue import (CONFERENCES, DIALOGUES, DOCUMENTS, INSPECTED, INSPECTIONS, RATE, RECOGNISED,
                                   REGISTERED, REVIEWS, TRAININGS, IndicatorRow)
from etl.periods import REORGANISATION_DATE, Period, parse_period
from etl.reading.numbers import fmt_num, fmt_pct, pad2
from etl.text import fold

INSPECTED_WORDS = ("tổ chức đảng", "đảng viên")  # whom the inspections covered (INSPECTED), as written


def compared(indicators: Sequence[IndicatorRow]) -> list[tuple[str, str, str]]:
    """(indicator, noun phrase in a comparison, unit word) for the comparison sentence, in catalogue
    order: the indicators data/indicators.csv gives a phrase."""
    return [(i.code, i.phrase, i.unit_label) for i in indicators if i.phrase]


def count(value: int | None) -> str:
    """Counts as reports write them: 6 -> '06', 4819 -> '4.819' (0 stays '0')."""
    return pad2(int(value)) if value else "0"


def _has(figures: dict | None, code: str) -> bool:
    value = (figures or {}).get(code)
    return value is not None and value == value  # not None, not NaN


def period_phrase(period: Period) -> str:
    """'Trong quý II/2024', 'Trong 6 tháng đầu năm 2024', 'Trong năm 2024'."""
    label = period.label
    return "Trong " + label[0].lower() + label[1:]


def scope_subject(period: Period, scope_label: str, scope_kind: str = "") -> str:
    """Who acted: 'cấp ủy các huyện, thị xã, thành phố cụm đồng bằng', 'cấp ủy các xã, phường
    trong tỉnh', 'cấp ủy huyện Yên Định'. scope_kind: 'province'|'cluster'|'unit' ('' = guess)."""
    key = fold(scope_label)
    kind = scope_kind or ("cluster" if key.startswith("cum") else
                          "province" if not key or key.startswith(("toan tinh", "tinh ")) else "unit")
    if kind == "unit":
        words = scope_label.strip().split(" ", 1)
        return "cấp ủy " + " ".join([words[0].lower()] + words[1:])
    if period.start >= REORGANISATION_DATE:
        who = "cấp ủy các xã, phường"
    elif period.end >= REORGANISATION_DATE:
        who = "cấp ủy các huyện, thị xã, thành phố và các xã, phường"
    else:
        who = "cấp ủy các huyện, thị xã, thành phố"
    if kind == "cluster":  # official style writes "cụm đồng bằng", "cụm miền núi"
        return f"{who} {scope_label.strip().lower()}"
    return f"{who} trong tỉnh"


def _clauses(f: dict) -> list[str]:
    out = []
    if _has(f, DOCUMENTS):
        out.append(f"ban hành {count(f[DOCUMENTS])} văn bản lãnh đạo, chỉ đạo, cụ thể hóa "
                   "các chủ trương, nghị quyết về công tác dân vận")
    out += _pair(f, CONFERENCES.code, "hội nghị quán triệt, tuyên truyền",
                 CONFERENCES.participants, "lượt người tham dự")
    out += _pair(f, TRAININGS.code, "hội nghị tập huấn, bồi dưỡng",
                 TRAININGS.participants, "lượt người tham gia")
    if _has(f, INSPECTIONS):
        text = f"{count(f[INSPECTIONS])} cuộc kiểm tra, giám sát"
        targets = [f"{count(f[c])} {w}" for c, w in zip(INSPECTED, INSPECTED_WORDS) if _has(f, c)]
        out.append(text + (" đối với " + " và ".join(targets) if targets else ""))
    if _has(f, REVIEWS):
        out.append(f"{count(f[REVIEWS])} hội nghị sơ kết, tổng kết")
    if _has(f, DIALOGUES):
        out.append(f"{count(f[DIALOGUES])} cuộc tiếp xúc, đối thoại với Nhân dân")
    models = _models_clause(f)
    if models:
        out.append(models)
    return out


def _pair(f: dict, code: str, noun: str, people_code: str, people: str) -> list[str]:
    """'tổ chức 50 hội nghị … với 4.819 lượt người tham dự' (either half may be missing)."""
    if _has(f, code):
        tail = f" với {count(f[people_code])} {people}" if _has(f, people_code) else ""
        return [f"tổ chức {count(f[code])} {noun}{tail}"]
    if _has(f, people_code):
        return [f"có {count(f[people_code])} {people} các {noun}"]
    return []


def _models_clause(f: dict) -> str:
    if _has(f, REGISTERED):
        text = f"đã đăng ký và tổ chức thực hiện {count(f[REGISTERED])} mô hình “Dân vận khéo”"
        if _has(f, RECOGNISED):
            text += f", trong đó được công nhận {count(f[RECOGNISED])} mô hình"
            if f.get(RATE) is not None and f[REGISTERED]:
                text += f", đạt {fmt_pct(f[RATE])}"
        return text
    if _has(f, RECOGNISED):
        return f"công nhận {count(f[RECOGNISED])} mô hình “Dân vận khéo”"
    return ""


def comparison_phrase(period: Period, previous_period: Period | None) -> str:
    """'so với cùng kỳ năm trước', 'so với quý I/2024'."""
    if previous_period is None or previous_period == period.same_period_last_year():
        return "so với cùng kỳ năm trước"
    label = previous_period.label
    return "so với " + label[0].lower() + label[1:]


def _change(delta: float, unit_word: str, same: str) -> str:
    if delta == 0:
        return same
    return f"{'tăng' if delta > 0 else 'giảm'} {count(abs(delta))} {unit_word}"


def comparison_sentence(current: dict, previous: dict | None, period: Period,
                        previous_period: Period | None = None, *,
                        indicators: Sequence[IndicatorRow] = ()) -> str:
    """'So với cùng kỳ năm trước, số hội nghị … tăng 12 hội nghị, …; tỷ lệ công nhận tăng
    3,2 điểm phần trăm.' Only figures reported in both periods are compared, the indicators with
    a phrase in the catalogue (`indicators`) and the rate; '' if none."""
    if not previous:
        return ""
    same = "bằng cùng kỳ" if previous_period in (None, period.same_period_last_year()) else "không đổi"
    parts = [f"{noun} {_change(current[c] - previous[c], word, same)}"
             for c, noun, word in compared(indicators) if _has(current, c) and _has(previous, c)]
    rate = ""
    if _has(current, RATE) and _has(previous, RATE):
        points = round((current[RATE] - previous[RATE]) * 100, 1)
        rate = ("tỷ lệ công nhận mô hình " +
                (same if points == 0 else
                 f"{'tăng' if points > 0 else 'giảm'} {fmt_num(abs(points))} điểm phần trăm"))
    if not parts and not rate:
        return ""
    body = "; ".join(parts + ([rate] if rate else []))
    phrase = comparison_phrase(period, previous_period)
    return f"{phrase[0].upper()}{phrase[1:]}, {body}."


def overview_sentence(current: dict, previous: dict | None, period: Period, scope_label: str,
                      *, previous_period: Period | None = None, scope_kind: str = "",
                      compare: bool = True, indicators: Sequence[IndicatorRow] = ()) -> str:
    """The opening paragraph of a report; `previous` holds the figures of `previous_period`
    (default: the same period last year, "cùng kỳ năm trước"); compare=False leaves out the
    comparison sentence; `indicators` (the catalogue's) say which figures it compares."""
    clauses = _clauses(current or {})
    subject = scope_subject(period, scope_label, scope_kind)
    if not clauses and scope_kind == "unit" and (current or {}).get("units_expected") == 0:
        name = scope_label[:1].lower() + scope_label[1:]
        why = (" (cấp huyện kết thúc hoạt động từ 01/7/2025; từ quý III/2025 số liệu báo cáo theo xã, phường)"
               if period.start >= REORGANISATION_DATE else "")
        return f"{period_phrase(period)}, {name} không có trong danh mục đơn vị báo cáo{why}."
    if not clauses:
        return f"{period_phrase(period)}, chưa có số liệu báo cáo của {subject}."
    first = clauses[0] if clauses[0].startswith("đã ") else "đã " + clauses[0]
    text = f"{period_phrase(period)}, {subject} {'; '.join([first] + clauses[1:])}."
    extra = (comparison_sentence(current, previous, period, previous_period, indicators=indicators)
             if compare else "")
    return f"{text} {extra}" if extra else text


def ranking_sentence(rates: Sequence[tuple[str, float | None]], top: int = 3,
                     noun: str = "đơn vị") -> str:
    """Best and lagging units by recognition rate: rates = [(name, rate 0..1 or None)]."""
    ranked = sorted(((n, r) for n, r in rates if r is not None and r == r),
                    key=lambda x: (-x[1], x[0]))
    if len(ranked) < 2:
        return ""
    k = max(1, min(top, len(ranked) // 2))
    shown = lambda rows: ", ".join(f"{n} ({fmt_pct(r)})" for n, r in rows)  # noqa: E731
    if fmt_pct(ranked[0][1]) == fmt_pct(ranked[-1][1]):
        return f"Các {noun} có tỷ lệ mô hình được công nhận như nhau ({fmt_pct(ranked[0][1])})."
    floor = fmt_pct(ranked[k - 1][1])
    lagging = [x for x in ranked[k:] if fmt_pct(x[1]) != floor][-k:]  # ties with the best are not "lagging"
    text = f"Các {noun} có tỷ lệ mô hình được công nhận cao nhất: {shown(ranked[:k])}"
    return text + (f"; thấp nhất: {shown(reversed(lagging))}." if lagging else ".")


def position_sentence(code: str, name: str, rates: Sequence[tuple[str, str, float | None]],
                      group: str) -> str:
    """'Yên Định xếp thứ 3/10 đơn vị trong cụm đồng bằng về tỷ lệ mô hình được công nhận (57,1%).'
    rates = [(unit code, name, rate)]; the unit is found by its code (a district and a commune can
    share a name across 2025); '' when it has no rate of its own."""
    ranked = sorted(((c, r) for c, _n, r in rates if r is not None and r == r), key=lambda x: -x[1])
    rate = next((r for c, r in ranked if c == code), None)
    if rate is None or len(ranked) < 2:
        return ""
    place = 1 + sum(1 for _c, r in ranked if fmt_pct(r) != fmt_pct(rate) and r > rate)
    return (f"{name} xếp thứ {place}/{len(ranked)} đơn vị trong {group} về tỷ lệ mô hình "
            f"được công nhận ({fmt_pct(rate)}).")


def missing_sentence(names: Sequence[str], noun: str = "đơn vị", limit: int = 15) -> str:
    """'Còn 02 đơn vị chưa báo cáo: Huyện A, Huyện B.' ('' when everyone reported); past `limit`
    names, the rest are counted so a slide or paragraph stays readable."""
    if not names:
        return ""
    shown = ", ".join(names[:limit])
    rest = f" và {count(len(names) - limit)} {noun} khác" if len(names) > limit else ""
    return f"Còn {count(len(names))} {noun} chưa báo cáo: {shown}{rest}."


def gaps_sentence(gaps: Sequence[tuple[str, int]] | None, noun: str = "đơn vị") -> str:
    """What keeps units out of a period's figures (etl.queries summary 'gaps'): 'Chưa đủ số liệu
    của cả kỳ: 10 đơn vị thiếu Quý II/2024; 02 đơn vị chỉ có số liệu lũy kế, chưa tách được kỳ này
    (số liệu của các đơn vị này chưa được cộng).' ('' when nothing is missing)."""
    parts = []
    for spec, n in gaps or ():
        if spec == "cumulative":
            parts.append(f"{count(n)} {noun} chỉ có số liệu lũy kế, chưa tách được kỳ này")
        else:
            parts.append(f"{count(n)} {noun} thiếu {parse_period(spec).label}")
    if not parts:
        return ""
    return f"Chưa đủ số liệu của cả kỳ: {'; '.join(parts)} (số liệu của các {noun} này chưa được cộng)."


def derived_note(units: int | None, noun: str = "đơn vị") -> str:
    """'Số liệu của 03 đơn vị được tính bằng hiệu giữa các báo cáo lũy kế (ví dụ: Quý II = 6 tháng
    đầu năm − Quý I).' ('' when none)."""
    if not units:
        return ""
    return (f"Số liệu của {count(units)} {noun} được tính bằng hiệu giữa các báo cáo lũy kế "
            "(ví dụ: Quý II = 6 tháng đầu năm − Quý I).")


def completeness_sentence(reported: int | None, expected: int | None, noun: str = "đơn vị") -> str:
    """'Đã có 25/27 đơn vị báo cáo.'"""
    if not expected:
        return ""
    if reported == expected:
        return f"Tất cả {count(expected)} {noun} đã báo cáo."
    return f"Đã có {count(reported or 0)}/{count(expected)} {noun} báo cáo."


def report_paragraphs(current: dict, previous: dict | None, period: Period, scope_label: str, *,
                      scope_kind: str = "", previous_period: Period | None = None,
                      unit_rates: Sequence[tuple[str, float | None]] = (),
                      missing: Sequence[str] = (), noun: str = "đơn vị",
                      rank_noun: str = "", indicators: Sequence[IndicatorRow] = ()) -> list[str]:
    """The whole written summary: overview (+ comparison), ranking, who has not reported."""
    paragraphs = [overview_sentence(current, previous, period, scope_label, compare=False,
                                    previous_period=previous_period, scope_kind=scope_kind)]
    comparison = comparison_sentence(current or {}, previous, period, previous_period, indicators=indicators)
    if comparison:
        paragraphs.append(comparison)
    expected = (current or {}).get("units_expected")
    status = " ".join(s for s in (
        completeness_sentence((current or {}).get("units_reported"), expected, noun)
        if (expected or 0) > 1 else "",
        gaps_sentence((current or {}).get("gaps"), noun), missing_sentence(missing, noun),
        derived_note((current or {}).get("units_derived"), noun)) if s)
    for extra in (ranking_sentence(unit_rates, noun=rank_noun or noun), status):
        if extra:
            paragraphs.append(extra)
    return paragraphs
