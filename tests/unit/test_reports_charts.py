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
