"""第一议题 study: the admin's branch buttons come in pages (◀ ▶), every press re-checked."""

from __future__ import annotations

from sqlmodel import func, select

from bot.models import Branch, StudyItem, StudyTarget
from simulator import SimMessage
from tests.e2e.test_study import press_data, pushes, write_summary
from tests.harness import Harness


def callback_data(message: SimMessage) -> list[str]:
    return [d for row in message.button_data for d in row if d is not None]


async def add_branches(h: Harness, n: int) -> None:
    # ASCII prefixes sort the same under every collation (SQLite and PostgreSQL alike).
    async with h.sessions() as s:
        s.add_all(Branch(name=f"A branch {i:03d}", created_at=h.clock.now()) for i in range(n))
        await s.commit()


async def scope(h: Harness) -> tuple[bool, int]:
    async with h.sessions() as s:
        item = (await s.exec(select(StudyItem))).one()
        targets = (await s.exec(select(func.count()).select_from(StudyTarget))).one()
        return item.scope_all, targets


async def test_admin_ticks_a_branch_on_the_last_of_four_pages(h: Harness) -> None:
    first = await h.setup_branch("Y 第一党支部", members=1)
    last = await h.setup_branch("Z 第二党支部", members=1)
    await add_branches(h, 148)
    await h.send(h.admin, "/newstudy 党委统一学习")
    preview = await write_summary(h, h.admin, "请各支部认真学习")
    assert "第 1/4 页；已选 150 个" in preview.text  # all branches, the default
    assert "⬜ A branch 000" in preview.flat_buttons
    assert "⬜ Z 第二党支部" not in preview.flat_buttons
    assert "▶" in preview.flat_buttons
    assert "◀" not in preview.flat_buttons
    assert all(len(d.encode()) <= 64 for d in callback_data(preview))
    for page in (2, 3, 4):
        await h.press(h.admin, "▶", h.admin.last)
        assert f"第 {page}/4 页" in h.admin.last.text
    shown = h.admin.last
    assert "▶" not in shown.flat_buttons
    assert "◀" in shown.flat_buttons
    assert "⬜ Y 第一党支部" in shown.flat_buttons
    await h.press(h.admin, "⬜ Z 第二党支部", shown)
    shown = h.admin.last
    # The tick keeps the admin on the page they were on.
    assert "第 4/4 页；已选 1 个" in shown.text
    assert "✅ Z 第二党支部" in shown.flat_buttons
    assert "⬜ 全部支部" in shown.flat_buttons
    await h.press(h.admin, "◀", shown)
    assert "第 3/4 页；已选 1 个" in h.admin.last.text
    await h.press(h.admin, "发布", h.admin.last)
    assert "Z 第二党支部" in h.admin.last.text
    await h.deliver()
    assert pushes(last.members[0], "党委统一学习")
    assert not pushes(first.members[0], "党委统一学习")


async def test_all_branches_press_stays_on_its_page(h: Harness) -> None:
    await h.setup_branch("Z 第一党支部", members=1)
    await add_branches(h, 99)
    await h.send(h.admin, "/newstudy 党委统一学习")
    await write_summary(h, h.admin, "请各支部认真学习")
    await h.press(h.admin, "▶", h.admin.last)
    await h.press(h.admin, "✅ 全部支部", h.admin.last)
    assert "第 2/3 页；已选 0 个" in h.admin.last.text
    assert "⬜ 全部支部" in h.admin.last.flat_buttons
    assert await scope(h) == (False, 0)


async def test_forged_paging_and_choices_are_refused(h: Harness) -> None:
    branch = await h.setup_branch("Z 第一党支部", members=1)
    await add_branches(h, 100)
    await h.send(h.admin, "/newstudy 党委统一学习")
    preview = await write_summary(h, h.admin, "请各支部认真学习")
    async with h.sessions() as s:
        item_id = (await s.exec(select(StudyItem.id))).one()
        other = (await s.exec(select(Branch.id).where(Branch.name == "A branch 050"))).one()
    sec = branch.secretary
    own = await h.send(sec, "/study")
    # The secretary forges paging and choices on the admin's draft: refused, nothing changes.
    for data in ("pg1", "all2", str(other)):
        alert = await press_data(h, sec, own.message_id, f"studynew:{item_id}:{data}")
        assert "不存在" in alert or "没有这项权限" in alert, alert
    assert await scope(h) == (True, 0)
    # Malformed or out-of-range data from the admin: stale, or the nearest real page.
    for data in ("pgx", "pg", "all-1", "allx", "pg99999999999999"):
        alert = await press_data(h, h.admin, preview.message_id, f"studynew:{item_id}:{data}")
        assert "已失效" in alert, (data, alert)
    assert await scope(h) == (True, 0)
    await press_data(h, h.admin, preview.message_id, f"studynew:{item_id}:pg999")
    assert "第 3/3 页" in h.admin.last.text
    # A branch that does not exist is refused.
    alert = await press_data(h, h.admin, preview.message_id, f"studynew:{item_id}:987654")
    assert "不存在" in alert
    assert await scope(h) == (True, 0)


async def test_secretary_cannot_page_their_own_draft(h: Harness) -> None:
    branch = await h.setup_branch("Z 第一党支部", members=1)
    await add_branches(h, 100)
    sec = branch.secretary
    await h.send(sec, "/newstudy 支部学习")
    preview = await write_summary(h, sec, "摘要")
    assert "▶" not in preview.flat_buttons
    async with h.sessions() as s:
        item_id = (await s.exec(select(StudyItem.id))).one()
    before = await scope(h)
    assert before == (False, 1)  # the secretary's own branch
    alert = await press_data(h, sec, preview.message_id, f"studynew:{item_id}:pg1")
    assert "没有这项权限" in alert
    alert = await press_data(h, sec, preview.message_id, f"studynew:{item_id}:all0")
    assert "没有这项权限" in alert
    assert await scope(h) == before
