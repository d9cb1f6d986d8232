"""第一议题 study: the secretary publishes an item, members study it and write a 心得."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import col, select

from bot.demo import Cast
from bot.demo.stage import Press, Stage
from bot.models import StudyItem

TITLE = "学习《关于加强社会组织党的建设工作的意见》"


def _next_daytime(stage: Stage) -> datetime:
    """10:00 local today if that is still ahead, else 10:00 tomorrow: pushes go out at once."""
    settings = stage.app.bot_data.settings
    assert settings is not None
    now = stage.clock.now().astimezone(settings.tz)
    target = datetime.combine(now.date(), time(10, 0), tzinfo=settings.tz)
    if now > target.replace(hour=20):
        target += timedelta(days=1)
    return max(target, now)


async def scene(stage: Stage, cast: Cast) -> None:
    """Publish, push, two 已学习, one 心得, then the completion table."""
    secretary = cast.branch.secretary
    first, second, third = cast.branch.members[:3]
    stage.clock.set(_next_daytime(stage))

    cast.narrate("第一议题：书记发布一项学习内容，附链接和摘要")
    await stage.play(
        (secretary, f"/newstudy {TITLE} https://www.example.org/study/2026-11"),
        (secretary, "请重点学习第二部分“把党的组织和工作覆盖到社会组织”，本周内完成。"),
        (secretary, "1"),  # 学时
        (secretary, Press("发布")),
    )

    cast.narrate("学习内容推送给支部每位党员（一个发送批次），带“已学习”和“写心得”按钮")
    await stage.deliver()

    cast.narrate("两名党员点“已学习”（一人用英文界面），一名党员写心得")
    reflection = (
        "通过学习，我更加认识到社会组织党建“两个覆盖”的重要性，将在协会工作中带头亮身份、作表率。"
    )
    await stage.play(
        (first, Press("已学习")),
        (third, Press("Studied")),
        (second, Press("写心得")),
        (second, reflection),
        (second, "/study"),
    )

    cast.narrate("书记和管理员查看完成情况")
    async with stage.sessions() as s:
        item = (
            await s.exec(
                select(StudyItem).where(StudyItem.title == TITLE).order_by(col(StudyItem.id).desc())
            )
        ).first()
    assert item is not None
    await stage.send(secretary, "/studystatus")
    await stage.send(secretary, f"/studystatus {item.id}")
    await stage.send(cast.admin, f"/studystatus {item.id}")
