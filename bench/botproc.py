"""The bot as its own process, for benchmarks: polls the simulator, runs the outbox worker.

``python -m bench.botproc --api URL --file-api URL --token T --database-url URL [--baseline]``.
With ``--baseline`` the same bot is built with python-telegram-bot's AIORateLimiter instead
of ours (the outbox's sends then go through it too). ``--ptb-broadcast`` adds what a PTB bot
would have instead of an outbox: ``/benchcast FIRST COUNT`` and the text on the next line
fires one ``bot.send_message`` task per chat at once (``asyncio.gather``), so the broadcast
waits in AIORateLimiter's queue. SIGTERM stops it cleanly; SIGKILL is the crash benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationHandlerStop, CommandHandler

import schedules
from bench.common import GROUP_PER_MINUTE, PER_CHAT, RATE, register_all
from bot.app import build_application
from bot.config import Settings
from bot.context import BotApplication, BotContext


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


async def benchcast(update: Update, context: BotContext) -> None:
    """A broadcast the way PTB users write one: every send started at once, then gathered."""
    assert update.effective_message is not None
    assert update.effective_message.text is not None
    head, _, text = update.effective_message.text.partition("\n")
    _, first, count = head.split()
    chats = range(int(first), int(first) + int(count))

    async def fan_out() -> None:
        await asyncio.gather(
            *(context.bot.send_message(c, text) for c in chats), return_exceptions=True
        )

    context.application.create_task(fan_out())
    raise ApplicationHandlerStop


def with_jobs(app: BotApplication) -> None:
    """As the real bot runs: handlers and every job (a notice's live progress is one)."""
    register_all(app)
    schedules.register_all(app)


def with_benchcast(register: Callable[[BotApplication], None]) -> Callable[[BotApplication], None]:
    def both(app: BotApplication) -> None:
        app.add_handler(CommandHandler("benchcast", benchcast), group=-1)
        register(app)

    return both


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--file-api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--ptb-broadcast", action="store_true")
    parser.add_argument("--jobs", action="store_true", help="also every scheduled job")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument(
        "--outbox-only", action="store_true", help="no updates: only the outbox worker runs"
    )
    parser.add_argument("--paid", action="store_true", help="ALLOW_PAID_BROADCAST")
    parser.add_argument("--processes", type=int, default=1, help="RATE_PROCESSES")
    parser.add_argument("--webhook-port", type=int, help="webhook mode, listening on this port")
    parser.add_argument("--webhook-url", help="the public URL the simulator posts to")
    parser.add_argument("--health-port", type=int, help="serve /healthz and /metrics here")
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
        allow_paid_broadcast=args.paid,
        rate_processes=args.processes,
        **web_settings(args),
    )
    register = with_jobs if args.jobs else register_all
    if args.ptb_broadcast:
        register = with_benchcast(register)
    app = build_application(
        settings,
        register=register,
        migrate=False,
        run_outbox=True,
        graceful=not args.outbox_only,
        serve_health=bool(args.health_port),
    )
    if args.baseline:
        # Swapped before initialize(), which is when the bot starts using its limiter.
        app.bot._rate_limiter = baseline_limiter(args.rate)
    if args.outbox_only:
        asyncio.run(outbox_only(app))
    elif args.webhook_port:
        app.run_webhook(
            listen="127.0.0.1",
            port=args.webhook_port,
            url_path="hook",
            webhook_url=args.webhook_url,
            secret_token=WEBHOOK_SECRET,
            close_loop=False,
        )
    else:
        app.run_polling(poll_interval=0, timeout=1, close_loop=False)


WEBHOOK_SECRET = "bench-webhook-secret-0123456789"


def web_settings(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.webhook_port:
        values |= {
            "webhook_url": args.webhook_url,
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_port": args.webhook_port,
        }
    if args.health_port:
        values |= {"health_server": "on", "health_port": args.health_port}
    return values


async def outbox_only(app: BotApplication) -> None:
    """A worker process that takes no updates: initialise, send until SIGTERM, stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    print("bot ready", flush=True)
    await stop.wait()
    await app.stop()
    assert app.post_stop is not None
    await app.post_stop(app)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


def trace_outbox() -> None:
    """BENCH_TRACE=1: how long the worker's claim and record transactions take (stderr)."""
    import atexit
    import sys

    from bot.delivery.worker import OutboxWorker

    spans: dict[str, list[float]] = {}

    def timed(name: str, fn: Any) -> Any:
        async def wrapper(*a: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*a, **kw)
            finally:
                spans.setdefault(name, []).append(time.perf_counter() - start)

        return wrapper

    OutboxWorker.claim = timed("claim", OutboxWorker.claim)  # type: ignore[method-assign]
    OutboxWorker.record = timed("record", OutboxWorker.record)  # type: ignore[method-assign]

    def report() -> None:
        for name, xs in spans.items():
            xs.sort()
            print(
                f"bot trace {name}: n={len(xs)} total={sum(xs):.2f}s"
                f" p50={xs[len(xs) // 2] * 1000:.1f}ms max={xs[-1] * 1000:.0f}ms",
                file=sys.stderr,
            )

    atexit.register(report)


def profile_to(prefix: str) -> None:
    """BENCH_PROFILE=PREFIX: cProfile the whole process into PREFIX.PID.prof at exit."""
    import atexit
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(f"{prefix}.{os.getpid()}.prof")

    atexit.register(dump)


def exit_with_parent() -> None:
    """SIGTERM ourselves when the benchmark that started us is gone (killed, crashed)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


if __name__ == "__main__":
    exit_with_parent()
    if os.environ.get("BENCH_TRACE"):
        trace_outbox()
    if os.environ.get("BENCH_PROFILE"):
        profile_to(os.environ["BENCH_PROFILE"])
    main()
