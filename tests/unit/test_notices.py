"""Notices: the send time as typed, text checks, the progress bar, formatting kept from the typed text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Chat, Message, MessageEntity

from bot.models import NoticeTarget
from bot.services import notices as svc
from bot.services.errors import Refused
from bot.services.periods import parse_when
from handlers.callbacks import CallbackData
from handlers.notices import buttons as b
from handlers.notices.compose import command_html
from handlers.notices.views import plain, progress_bar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_parse_when_reads_local_time() -> None:
    assert parse_when("2026-12-01 09:00", SHANGHAI) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert parse_when(" 2026/12/1 9:05 ", SHANGHAI) == datetime(2026, 12, 1, 1, 5, tzinfo=UTC)
    assert parse_when("2026年12月1日 9点05分", SHANGHAI) == datetime(2026, 12, 1, 1, 5, tzinfo=UTC)
    assert parse_when("2026-12-01 09：00", SHANGHAI).hour == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("tomorrow", "time_format"),
        ("2026-12-01", "time_format"),
        ("", "time_format"),
        ("2026-02-30 09:00", "time_invalid"),
        ("2026-12-01 25:00", "time_invalid"),
        ("2026-12-01 09:60", "time_invalid"),
    ],
)
def test_parse_when_refuses(raw: str, code: str) -> None:
    with pytest.raises(Refused) as exc:
        parse_when(raw, SHANGHAI)
    assert exc.value.code == code


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
)
def test_parse_when_round_trips(day: date, hour: int, minute: int) -> None:
    text = f"{day:%Y-%m-%d} {hour:02d}:{minute:02d}"
    parsed = parse_when(text, SHANGHAI)
    assert parsed.tzinfo is not None
    assert parsed.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == text


@given(st.text(max_size=40))
def test_parse_when_never_crashes(raw: str) -> None:
    code = None
    try:
        result = parse_when(raw, SHANGHAI)
    except Refused as exc:
        code = exc.code
    else:
        assert result.utcoffset() == timedelta(0)
    assert code in (None, "time_format", "time_invalid")


def test_check_text_limits() -> None:
    assert svc.check_text("  <b>hi</b> ", 2, with_media=False) == "<b>hi</b>"
    with pytest.raises(Refused, match="text_empty"):
        svc.check_text("  ", 0, with_media=False)
    assert svc.check_text("", 0, with_media=True) == ""
    with pytest.raises(Refused) as exc:
        svc.check_text("x" * 1000, 1000, with_media=True)
    assert exc.value.params == {"limit": svc.CAPTION_LIMIT, "length": 1000}
    with pytest.raises(Refused):
        svc.check_text("x", svc.TEXT_LIMIT + 1, with_media=False)


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_progress_bar(done: int, extra: int) -> None:
    total = done + extra
    bar = progress_bar(done, total)
    assert len(bar) == 10
    assert set(bar) <= {"▓", "░"}
    if total and done < total:
        assert bar.endswith("░")
    if done == total:
        assert bar == "▓" * 10


def _message(text: str, entities: list[MessageEntity]) -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        chat=Chat(1, "private"),
        text=text,
        entities=entities,
    )


def test_command_html_keeps_formatting_and_escapes() -> None:
    text = "/broadcast 请 <今天> 阅读 链接"
    cmd = MessageEntity("bot_command", 0, 10)
    bold = MessageEntity("bold", 11, 1)
    link = MessageEntity("text_link", 21, 2, url="https://example.org/a")
    body, length = command_html(_message(text, [cmd, bold, link]))
    assert body.startswith("<b>请</b> &lt;今天&gt; 阅读 ")
    assert body.endswith('<a href="https://example.org/a">链接</a>')
    assert length == len("请 <今天> 阅读 链接")


def test_plain_excerpt() -> None:
    assert plain("<b>a &amp; b</b>\nc") == "a & b c"
    assert plain("x" * 50, limit=10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (b.target(5, NoticeTarget.all), "ntc:5:tgt:all"),
        (b.branch(5, 12), "ntc:5:br:12"),
        (b.picked(5), "ntc:5:br:done"),
        (b.page(5, 2), "ntc:5:brp:2"),
        (b.ack(5, False), "ntc:5:ack:0"),
        (b.when(5, b.ASK), "ntc:5:when:ask"),
        (b.act(5, b.Action.send), "ntc:5:send:-"),
        (b.act(5, b.Action.pause), "ntc:5:pause:-"),
        (b.act(5, b.Action.receipts), "ntc:5:rcpt:-"),
        (b.act(5, b.Action.export), "ntc:5:xlsx:-"),
        (b.Received(5), "nack:5"),
    ],
)
def test_buttons_keep_the_layout_already_in_chats(button: CallbackData, data: str) -> None:
    assert button.encode() == data
    assert type(button).decode(data) == button


def test_button_arguments_that_do_not_fit_their_action_read_as_none() -> None:
    forged = b.NoticeButton.decode("ntc:5:br:999x")
    assert forged is not None
    assert forged.number is None
    assert b.NoticeButton(5, b.Action.target, "everyone").target is None
    assert b.NoticeButton(5, b.Action.ack, "maybe").required is None
    assert b.NoticeButton.decode("ntc:5:explode:-") is None
