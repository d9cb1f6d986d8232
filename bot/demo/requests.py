"""诉求: a member raises a 困难求助, the secretary accepts and resolves it, the member rates it."""

from __future__ import annotations

from bot.demo import Cast
from bot.demo.stage import Press, Stage


async def scene(stage: Stage, cast: Cast) -> None:
    """/ask → 受理 → 办结 → 满意, and the secretary's /asks on the way."""
    secretary = cast.branch.secretary
    member = cast.branch.members[0]

    cast.narrate("诉求：党员用 /ask 提出困难求助，写明情况，预览后提交，得到编号")
    await stage.play(
        (member, "/ask"),
        (member, Press("困难求助")),
        (member, "家中老人行动不便，社区体检需要陪同，本人周三出差，希望支部帮忙联系志愿者。"),
        (member, Press("提交")),
        deliver=True,
    )

    cast.narrate("书记收到诉求（经发送队列），/asks 查看本支部未办结的诉求，打开详情后点“受理”")
    await stage.play(
        (secretary, "/asks"),
        (secretary, Press("#1 困难求助")),
        (secretary, Press("受理")),
        deliver=True,
    )

    cast.narrate("书记联系好志愿者后点“办结”并写答复；党员收到答复和评价按钮")
    await stage.play(
        (secretary, Press("办结")),
        (secretary, "已联系社区志愿者王师傅，周三上午 8:30 到家陪同体检。"),
        deliver=True,
    )

    cast.narrate("党员评价“满意”，书记收到评价；党员用 /asks 查看自己的诉求")
    await stage.play((member, Press("满意")), deliver=True)
    await stage.send(member, "/asks")

    cast.narrate("管理员用 /asks stats 查看各支部的响应率、解决率、满意率")
    await stage.send(cast.admin, "/asks stats")
