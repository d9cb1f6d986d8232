"""Bar charts as PNG for the chat: matplotlib's Agg canvas, a CJK font that ships with us.

The font (Noto Sans SC, SIL OFL 1.1, from the pylopdf-fonts-zh-cn package) is registered
with matplotlib's font manager before the first chart, so Chinese renders on a machine
with no system fonts. Rendering is plain CPU work: callers run it in a thread.

matplotlib is imported, and the font registered, when the first chart is drawn: done at
start-up they were a third of the time before the bot answered its first update.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX = 1080  # Telegram shows a photo up to 1280 px; a phone screen is narrower still
DPI = 100
LABEL_CHARS = 11  # a y-axis label longer than this is cut (CJK characters are wide)
COLORS = {
    "good": "#2e7d32",
    "fair": "#f9a825",
    "poor": "#c62828",
    "plain": "#1565c0",
    "muted": "#9e9e9e",
}
_setup_lock = threading.Lock()
_family: str | None = None


def setup_fonts() -> str:
    """Register the bundled CJK font (once) and make it the default; its family name."""
    global _family
    with _setup_lock:
        if _family is None:
            import matplotlib
            import pylopdf_fonts_zh_cn
            from matplotlib import font_manager

            matplotlib.use("Agg")
            path = str(pylopdf_fonts_zh_cn.sans_path())
            font_manager.fontManager.addfont(path)
            _family = font_manager.FontProperties(fname=path).get_name()
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["font.sans-serif"] = [_family, "DejaVu Sans"]
        return _family


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its length (a share 0–1, or a count) and the text written on it."""

    label: str
    value: float
    text: str
    tone: str = "plain"


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    bars: list[Bar]
    share: bool = True  # values are shares (axis 0–100 %) rather than counts


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    panels: list[Panel] = field(default_factory=list)


def tone_of(share: float) -> str:
    """Green from 90 %, amber from 60 %, red below."""
    return "good" if share >= 0.9 else "fair" if share >= 0.6 else "poor"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _draw(ax: Axes, panel: Panel) -> None:
    bars = list(reversed(panel.bars))  # the first bar on top
    ys = range(len(bars))
    values = [b.value for b in bars]
    ax.barh(ys, values, color=[COLORS.get(b.tone, COLORS["plain"]) for b in bars], height=0.62)
    top = 1.0 if panel.share else max([*values, 1.0])
    ax.set_xlim(0, top * 1.32)  # room for the value written after the longest bar
    ax.set_ylim(-0.6, len(bars) - 0.4)
    # Labels as plain texts, not tick labels: matplotlib's ticks cost ~25 ms each to lay out.
    ax.set_yticks([])
    ax.set_xticks([])
    left = ax.get_yaxis_transform()  # x in axes units, y in data units
    ax.set_title(panel.title, fontsize=20, loc="left", pad=12)
    for y, b in zip(ys, bars, strict=True):
        ax.text(-0.015, y, _short(b.label), va="center", ha="right", fontsize=17, transform=left)
        ax.text(b.value + top * 0.015, y, b.text, va="center", fontsize=16)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


def render(chart: Chart) -> bytes:
    """The chart as a PNG, WIDTH_PX wide, one horizontal-bar panel under another."""
    setup_fonts()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = [max(len(p.bars), 1) for p in chart.panels]
    inches = [0.9 + 0.5 * n for n in rows]
    height = 1.6 + sum(inches)
    fig = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.suptitle(chart.title, fontsize=22, x=0.03, ha="left", y=1 - 0.3 / height, va="top")
    grid = fig.add_gridspec(
        len(chart.panels),
        1,
        height_ratios=inches,
        left=0.26,
        right=0.97,
        top=1 - 1.45 / height,
        bottom=0.15 / height,
        hspace=0.9 / max(sum(inches) / len(inches), 1),
    )
    for i, panel in enumerate(chart.panels):
        _draw(fig.add_subplot(grid[i, 0]), panel)
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 3})
    return buf.getvalue()
