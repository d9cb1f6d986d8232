"""The bot as its own process, for benchmarks: polls the simulator, runs the outbox worker.

``python -m bench.botproc --api URL --file-api URL --token T --database-url URL [--baseline]``.
With ``--baseline`` the same bot is built with python-telegram-bot's AIORateLimiter instead
of ours (the broadcast then goes through it too). SIGTERM stops it cleanly; SIGKILL is the
crash benchmark.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from telegram.ext import AIORateLimiter

from bench.common import GROUP_PER_MINUTE, PER_CHAT, RATE, register_all
from bot.app import build_application
from bot.config import Settings


class BaselineLimiter(AIORateLimiter):
    """AIORateLimiter as a bot would configure it for these limits.

    Our outbox passes ``rate_limit_args={"lane": "bulk"}``; AIORateLimiter reads that
    argument as a retry count, so it is dropped here and its own max_retries apply.
    """

    async def process_request(  # type: ignore[override]
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        return await super().process_request(callback, args, kwargs, endpoint, data, None)


def baseline_limiter(rate: float = RATE) -> AIORateLimiter:
    return BaselineLimiter(
        overall_max_rate=rate,
        overall_time_period=1,
        group_max_rate=GROUP_PER_MINUTE,
        group_time_period=60,
        max_retries=5,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--file-api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=RATE)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="bot %(levelname)s %(name)s: %(message)s")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=args.token,
        bot_api_url=args.api,
        bot_api_file_url=args.file_api,
        database_url=args.database_url,
        rate_global_per_second=args.rate,
        rate_per_chat_per_second=PER_CHAT,
        rate_group_per_minute=GROUP_PER_MINUTE,
        delivery_concurrency=args.concurrency,
        error_report_interval_seconds=0,
    )
    app = build_application(settings, register=register_all, migrate=False, run_outbox=True)
    if args.baseline:
        # Swapped before initialize(), which is when the bot starts using its limiter.
        app.bot._rate_limiter = baseline_limiter(args.rate)
    app.run_polling(poll_interval=0, timeout=1, close_loop=False)


if __name__ == "__main__":
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.run("main()", os.environ["BENCH_PROFILE"])
    else:
        main()
