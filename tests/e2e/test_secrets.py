"""Secrets stay secret (logs, error reports, exports); invite links cannot be guessed."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select
from telegram import Update
from telegram.ext import CommandHandler

from bot import redact
from bot.context import BotContext
from bot.demo.stage import WEBHOOK_TEST_SECRET, running_bot
from bot.models import InviteAttempt, Member
from bot.services import guard
from simulator import BotAPISimulator
from tests.harness import Harness, invite_token, register_everything


async def test_secrets_stay_out_of_logs_error_reports_and_exports(
    sim: BotAPISimulator, engine: AsyncEngine
) -> None:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    async with running_bot(
        sim, engine, register_everything, webhook_secret=WEBHOOK_TEST_SECRET, log_level="DEBUG"
    ) as h:
        settings = h.app.bot_data.settings
        assert settings is not None
        redact.configure(settings, handler)
        root.addHandler(handler)
        token = sim.token

        async def boom(update: Update, context: BotContext) -> None:
            # What an HTTP library error looks like: the URL carries the token.
            raise RuntimeError(f"POST {sim.base_url}{token}/sendMessage ({WEBHOOK_TEST_SECRET})")

        h.app.add_handler(CommandHandler("boom", boom), group=1)
        try:
            branch = await h.setup_branch(members=1)
            await h.send(branch.members[0], "/boom")
            await h.deliver()
            report = h.admin.last.text
            async with h.sessions() as s:
                member = (
                    await s.exec(
                        select(Member).where(Member.telegram_user_id == branch.members[0].id)
                    )
                ).one()
            await h.send(h.admin, f"/person export {member.id}")
            document = h.admin.last.document
        finally:
            root.removeHandler(handler)
            for name in redact.CHATTY:
                logging.getLogger(name).setLevel(logging.NOTSET)
    assert "RuntimeError" in report
    log_text = "\n".join(lines)
    assert "<BOT_TOKEN>" in log_text  # the traceback was logged, redacted
    assert document is not None
    for secret in (token, token.split(":")[-1], WEBHOOK_TEST_SECRET):
        assert secret not in log_text
        assert secret not in report
        assert secret not in document.content.decode()


async def test_wrong_invite_tokens_are_limited_per_person(h: Harness) -> None:
    branch = await h.setup_branch(members=0)
    link = invite_token((await h.send(branch.secretary, "/invite")).text)
    guesser, other = h.person("猜测者"), h.person("路人")
    for i in range(guard.INVITE_TRIES):
        assert "无效" in (await h.send(guesser, f"/start guess{i:04d}")).text
    assert "过多" in (await h.send(guesser, "/start guess-more")).text
    assert "过多" in (await h.send(guesser, f"/start {link}")).text  # even the right one
    assert "无效" in (await h.send(other, "/start guess0000")).text  # others unaffected
    async with h.sessions() as s:
        tries = (await s.exec(select(func.count()).select_from(InviteAttempt))).one()
    assert tries == guard.INVITE_TRIES + 1  # kept in the database: every process counts them
    h.clock.advance(hours=1, minutes=1)
    await h.join(guesser, link, name="新党员")
    assert "新党员" in (await h.send(guesser, "/me")).text
