"""亮身份·亮职责·亮承诺: a pledge is submitted, returned, fixed, resubmitted and approved."""

from __future__ import annotations

from bot.demo import Cast
from bot.demo.stage import Press, Stage
from simulator import SimUser


async def write(stage: Stage, person: SimUser, post: str, duties: str, commitments: str) -> None:
    """/pledge, its three answers, then 提交 (the preview's first button in any language)."""
    await stage.send(person, "/pledge")
    for answer in (post, duties, commitments):
        await stage.send(person, answer)
    await stage.press(person, person.last.flat_buttons[0])


async def scene(stage: Stage, cast: Cast) -> None:
    """承诺 → 审诺 (退回, 修改, 通过) → coverage reminder → 公示 → 践诺 → 评诺 → admin overview."""
    await review(stage, cast)
    await everyone_else(stage, cast)
    await publish_and_rate(stage, cast)


async def review(stage: Stage, cast: Cast) -> None:
    """承诺 and 审诺: submitted, returned, fixed, resubmitted, approved (twice: once)."""
    secretary = cast.branch.secretary
    member = cast.branch.members[0]

    cast.narrate("亮身份·亮职责·亮承诺：党员通过 /pledge 分三步填写年度承诺，预览后提交")
    await write(
        stage,
        member,
        "社工服务中心项目主管",
        "负责社区养老服务项目的策划、执行和志愿者管理",
        "1. 带头学习第一议题\n2. 做好服务",
    )
    await stage.deliver()

    cast.narrate("审诺：书记用 /pledges 查看提交情况和待审核的承诺，写明意见后退回")
    await stage.play(
        (secretary, "/pledges"),
        (secretary, Press("退回")),
        (secretary, "第 2 条“做好服务”不够具体，请写明服务对象和频次。"),
        deliver=True,
    )

    cast.narrate("党员收到退回意见，只修改“亮承诺”一项后重新提交")
    fixed = "1. 带头学习第一议题，每月写一篇心得\n2. 每周走访 2 户社区独居老人\n3. 每季度组织一次志愿服务"
    await stage.play(
        (member, "/pledge"),
        (member, Press("修改")),
        (member, Press("亮承诺")),
        (member, fixed),
        (member, Press("提交")),
        deliver=True,
    )

    cast.narrate("书记审核第 2 版并通过；党员收到通知。再点一次“通过”不会重复记录")
    await stage.send(secretary, "/pledges")
    card = secretary.last
    approve = card.find_button("通过")
    assert approve is not None
    await stage.press(secretary, "通过", card)
    await stage.deliver()
    # The same press arriving again (a double tap) is refused politely; nothing changes.
    await secretary.press_data(card.message_id, approve["callback_data"])
    await stage.settle()
    cast.narrate(f"第二次点“通过”的提示：{secretary.callback_answers[-1]}")


async def everyone_else(stage: Stage, cast: Cast) -> None:
    """The coverage reminder; the others write theirs and the secretary approves them."""
    secretary = cast.branch.secretary
    cast.narrate("其他党员还没提交：书记一键提醒（每人每天最多一次）")
    await stage.send(secretary, "/pledges")
    await stage.press(secretary, "提醒未提交的党员", secretary.chat[-2])
    await stage.deliver()
    for other in cast.branch.members[1:]:
        await write(
            stage,
            other,
            "协会会员部干事",
            "负责会员联络和活动组织",
            "按时参加三会一课\n每月联系 5 家会员单位",
        )
    await stage.send(secretary, "/pledges")
    while "通过" in secretary.last.flat_buttons:
        await stage.press(secretary, "通过", secretary.last)
    await stage.deliver()


async def publish_and_rate(stage: Stage, cast: Cast) -> None:
    """公示, 践诺, 评诺, and the committee's overview."""
    secretary = cast.branch.secretary
    member = cast.branch.members[0]
    cast.narrate("公示：书记把通过的承诺发给支部每位党员（经发送队列）")
    await stage.play((secretary, "/pledges publish"), (secretary, Press("确认发送")), deliver=True)

    cast.narrate("践诺：党员随时记录履诺情况")
    await stage.play(
        (member, "/pledge note 走访了幸福里社区 2 户独居老人，帮助预约体检"),
        (member, "/pledge"),
    )

    cast.narrate("评诺：年底书记逐一评定等次并写评语，党员收到结果")
    await stage.send(secretary, "/pledges rate")
    await stage.press(secretary, "优秀")
    await stage.send(secretary, "践诺扎实，走访记录完整。")
    for _ in cast.branch.members[1:]:
        await stage.press(secretary, "合格")
        await stage.press(secretary, "不写评语")
    await stage.deliver()

    cast.narrate("管理员查看各党支部的承诺覆盖和评诺分布")
    await stage.send(cast.admin, "/pledges")
