"""Charts: Chinese renders with the bundled font, never a missing glyph."""

from __future__ import annotations

import warnings
from io import BytesIO

from matplotlib import image

from handlers.reports import charts


def test_chinese_labels_render_without_missing_glyphs() -> None:
    chart = charts.Chart(
        "阳光支部 · 2026-Q4 报表",
        [
            charts.Panel("出勤率", [charts.Bar("党员大会 十月", 0.85, "85%（17/20）", "fair")]),
            charts.Panel("第一议题学习", [charts.Bar("学习贯彻全会精神", 0.5, "50%", "poor")]),
            charts.Panel("支部等级", [charts.Bar("预警", 3, "3", "poor")], share=False),
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" becomes a failure
        png = charts.render(chart)
    assert charts.setup_fonts() == "Noto Sans SC"
    pixels = image.imread(BytesIO(png))
    height, width = pixels.shape[:2]
    assert width <= 1280
    assert height > 300
    assert len({tuple(p) for p in pixels.reshape(-1, pixels.shape[2])[::7]}) > 50


def test_a_year_of_every_kind_folds_into_one_bar_per_kind() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from bot.i18n import Catalogs
    from bot.models import MeetingKind
    from bot.services.periods import year_period
    from bot.services.reports import Report, Scope
    from bot.services.reports.summary import ItemCompletion, KindMonth, PledgeCoverage
    from handlers.reports import views

    cells = [
        KindMonth(kind, date(2026, m, 1), 1, 10, 8) for kind in MeetingKind for m in range(1, 13)
    ]
    items = [ItemCompletion(i, f"材料{i}", 10, 5) for i in range(60)]
    rep = Report(Scope(1, "阳光支部"), year_period(2026), cells, items, PledgeCoverage(2026, 10))
    t = Catalogs.load().translator("zh_CN", ZoneInfo("Asia/Shanghai"))
    chart = views.chart(t, rep)
    assert len(chart.panels[0].bars) == len(MeetingKind)
    assert chart.panels[0].bars[0].text == "80%（96/120）"
    assert len(chart.panels[1].bars) == views.MAX_BARS
    assert chart.panels[1].bars[-1].label == "材料59"
