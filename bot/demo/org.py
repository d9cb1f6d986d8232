"""The opening scene: a branch is created and its people join and look around."""

from __future__ import annotations

from bot.demo import Cast
from bot.demo.stage import Stage


async def setup(stage: Stage) -> Cast:
    """Admin creates a branch; a secretary and three members join; each opens /help and /me."""
    print("\n=== 管理员创建党支部，书记和三名党员通过邀请链接加入")  # noqa: T201
    branch = await stage.setup_branch(
        "阳光社工服务中心党支部",
        secretary_name="王建华",
        member_names=["李明", "张丽", "陈刚"],
    )
    cast = Cast(admin=stage.admin, branch=branch)
    for person in [branch.secretary, *branch.members]:
        await stage.send(person, "/help")
        await stage.send(person, "/me")
    await stage.send(stage.admin, "/branches")
    await stage.send(branch.secretary, "/members")
    # One member prefers English.
    english = branch.members[2]
    await stage.send(english, "/lang")
    await stage.press(english, "English")
    await stage.send(english, "/me")
    return cast
