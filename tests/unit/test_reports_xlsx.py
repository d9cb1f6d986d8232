"""The streaming XLSX writer, read back with openpyxl."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from handlers.reports import workbook, xlsx

TZ = ZoneInfo("Asia/Shanghai")


def _book(write: object) -> bytes:
    buf = BytesIO()
    book = xlsx.Book(buf, TZ)
    write(book)  # type: ignore[operator]
    book.close()
    return buf.getvalue()


def test_values_come_back_as_written() -> None:
    long = "心得" * 100  # past the shared-string length: written inline

    def write(book: xlsx.Book) -> None:
        sheet = book.sheet("出勤", ["姓名", "时间", "日期", "数", "备注"], [14, 17, 12, 8, 30])
        sheet.write(
            [
                ("=SUM(A1)", datetime(2026, 11, 10, 6, 30, 15, tzinfo=UTC), date(2026, 12, 31), 3,
                 "+1"),
                ("-减", None, None, 2.5, long),
                ("@出差", None, None, None, "a\x00b\x1fc <&> 'x'"),
                ("", None, None, 0, "  两端空格  "),
            ]
        )  # fmt: skip

    wb = load_workbook(BytesIO(_book(write)))
    ws = wb["出勤"]
    rows = list(ws.values)
    assert rows[0] == ("姓名", "时间", "日期", "数", "备注")
    local = datetime(2026, 11, 10, 14, 30, 15, tzinfo=TZ).replace(tzinfo=None)  # as read back
    day = datetime(2026, 12, 31, tzinfo=TZ).replace(tzinfo=None)
    assert rows[1] == ("=SUM(A1)", local, day, 3, "+1")
    assert rows[2] == ("-减", None, None, 2.5, long)
    assert rows[3] == ("@出差", None, None, None, "abc <&> 'x'")  # XML-illegal characters go
    assert rows[4] == (None, None, None, 0, "  两端空格  ")
    for r in range(1, 5):
        assert ws.cell(r + 1, 1).data_type in ("s", "n")  # never a formula
    assert ws.cell(2, 1).data_type == "s"
    assert ws.cell(1, 1).font.b
    assert ws.cell(2, 2).number_format == "yyyy-mm-dd hh:mm"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E5"
    assert ws.column_dimensions["E"].width == 30


def test_sheet_names_excel_accepts() -> None:
    def write(book: xlsx.Book) -> None:
        book.sheet("a/b:c?" + "长" * 40, ["x"], [8]).write([("1",)])
        book.sheet("a/b:c?" + "长" * 40, ["x"], [8])

    wb = load_workbook(BytesIO(_book(write)))
    assert [len(n) <= 31 for n in wb.sheetnames] == [True, True]
    assert wb.sheetnames[0].startswith("a_b_c_长")
    assert wb.sheetnames[1].endswith("(2)")


def test_a_full_sheet_goes_on_in_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # a header and two rows per sheet

    def write(book: xlsx.Book) -> None:
        sheet = workbook.Sheet(book, "出勤", [workbook.Column("姓名", 14)])
        sheet.write([(f"党员{i}",) for i in range(5)])
        sheet.close()

    wb = load_workbook(BytesIO(_book(write)))
    assert wb.sheetnames == ["出勤", "出勤 (2)", "出勤 (3)"]
    assert [list(wb[n].values) for n in wb.sheetnames] == [
        [("姓名",), ("党员0",), ("党员1",)],
        [("姓名",), ("党员2",), ("党员3",)],
        [("姓名",), ("党员4",)],
    ]


def test_column_letters() -> None:
    assert [xlsx.column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_time_columns_take_utc_seconds_in_a_zone_with_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST
    instants = [
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, an hour later
        datetime(2026, 7, 1, 12, 0, 7, tzinfo=UTC),
    ]
    buf = BytesIO()
    book = xlsx.Book(buf, berlin)
    sheet = book.sheet("t", ["UTC seconds", "time"], [12, 17], times=[1])
    sheet.write([(int(at.timestamp()), int(at.timestamp())) for at in instants * 2])  # kept too
    book.close()
    rows = list(load_workbook(BytesIO(buf.getvalue()))["t"].values)[1:]
    expected = [at.astimezone(berlin).replace(tzinfo=None) for at in instants * 2]
    assert [r[1] for r in rows] == expected
    assert [r[0] for r in rows] == [int(at.timestamp()) for at in instants * 2]  # plain numbers


def test_a_change_inside_an_hour_is_converted_second_by_second() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # +05:30 → +05:45 at 1985-12-31 18:30 UTC
    local = xlsx.LocalTime(kathmandu)
    start = int(datetime(1985, 12, 31, 18, 0, tzinfo=UTC).timestamp())
    for seconds in [*range(start, start + 3600, 300), start + 1799, start + 1800]:
        at = datetime.fromtimestamp(seconds, kathmandu).replace(tzinfo=None)
        assert local(seconds) == pytest.approx(xlsx._serial(at, kathmandu), abs=1e-9), at


def test_a_column_keeps_true_and_one_apart() -> None:
    def write(book: xlsx.Book) -> None:
        book.sheet("s", ["v"], [8]).write([(1,), (True,), (1.0,), (False,), (0,), (2,), (2,)])

    values = [r[0] for r in list(load_workbook(BytesIO(_book(write)))["s"].values)[1:]]
    assert [type(v) for v in values] == [int, bool, float, bool, int, int, int]
    assert values == [1, True, 1.0, False, 0, 2, 2]
