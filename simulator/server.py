"""The HTTP server (aiohttp) that behaves like ``api.telegram.org`` for one bot."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

from simulator.html import HtmlParseError, parse_html, trim_text, utf16_len
from simulator.limits import SEND_METHODS, Chaos, Faults, RateLimiter, RateLimits
from simulator.people import Alert, SimChat, SimFile, SimGroup, SimMessage, SimUser
from simulator.spec import MethodSpec, SpecError, UploadedFile, load_spec

__all__ = ["ApiError", "BotAPISimulator", "CallRecord"]

_DEFAULT_EXCLUDED_UPDATES = frozenset(["chat_member", "message_reaction", "message_reaction_count"])
_LOCAL_HOSTS = frozenset(["127.0.0.1", "localhost", "::1"])
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class ApiError(Exception):
    """An error answer. ``violation`` marks requests a correct bot never makes."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        violation: bool = False,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.violation = violation
        self.parameters = parameters


@dataclass(slots=True)
class CallRecord:
    """One API call as the simulator saw it (``t`` is ``time.monotonic()`` on arrival)."""

    t: float
    method: str
    params: dict[str, Any]
    chat_id: int | None
    ok: bool
    error_code: int | None = None
    description: str | None = None
    result: Any = None


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class BotAPISimulator:
    """A local Telegram Bot API for one bot, plus the people talking to it.

    Point python-telegram-bot at it with ``.base_url(sim.base_url)`` and
    ``.base_file_url(sim.base_file_url)``.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "dangjian_test_bot",
        bot_id: int = 123456,
        bot_name: str = "党建助手",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.spec = load_spec()
        self._limits = RateLimits()
        self._limiter = RateLimiter(self._limits)
        self.faults = Faults()
        #: random faults at rates (off by default); one-shot ``faults`` are taken first
        self.chaos = Chaos()
        self.calls: list[CallRecord] = []
        #: calls that ran but whose answer the bot never got (``drop_after`` faults)
        self.lost_answers: list[CallRecord] = []
        self.violations: list[dict[str, Any]] = []
        self.stats: Counter[str] = Counter()
        #: seconds after which an unanswered callback query is "too old"
        self.callback_query_ttl: float = 15.0
        self.allowed_updates: list[str] | None = None
        self.total_updates = 0
        self._chats: dict[int, SimChat] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._cond = asyncio.Condition()
        self._queries: dict[str, tuple[SimUser, float]] = {}
        self._query_data: dict[str, str | None] = {}
        self._files: dict[str, SimFile] = {}
        self._files_by_path: dict[str, SimFile] = {}
        self._file_seq = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._webhook: dict[str, Any] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._http: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._last_get_updates: float | None = None
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self._poll_generation = 0
        self.port: int | None = None
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "getChat": self._get_chat,
            "getFile": self._get_file,
        }

    # ================================================================== lifecycle
    @property
    def limits(self) -> RateLimits:
        return self._limits

    @limits.setter
    def limits(self, value: RateLimits) -> None:
        self._limits = value
        self._limiter = RateLimiter(value, self._limiter.clock)

    @property
    def clock(self) -> Callable[[], float]:
        """Clock of the rate-limit windows (``time.monotonic`` unless replaced)."""
        return self._limiter.clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        self._limiter.clock = value

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in _LOCAL_HOSTS:
            raise ValueError("the simulator only listens on the loopback interface")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addr = self._runner.addresses[0]
        self.host = host
        self.port = int(addr[1])
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        async with self._cond:
            self._cond.notify_all()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("simulator not started")
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        if self.port is None:
            raise RuntimeError("simulator not started")
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ================================================================== people
    def user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> SimUser:
        """Get or create a person; their private chat id equals ``user_id``."""
        existing = self._chats.get(user_id)
        if isinstance(existing, SimUser):
            return existing
        if existing is not None:
            raise ValueError(f"chat id {user_id} is already a group")
        if user_id <= 0:
            raise ValueError("user ids are positive")
        u = SimUser(self, user_id, first_name, last_name, username, language_code)
        self._chats[user_id] = u
        return u

    def group(self, chat_id: int, title: str) -> SimGroup:
        """Get or create a group chat (negative id)."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, SimGroup):
            return existing
        g = SimGroup(self, chat_id, title)
        self._chats[chat_id] = g
        return g

    @property
    def users(self) -> list[SimUser]:
        return [c for c in self._chats.values() if isinstance(c, SimUser)]

    def chat(self, chat_id: int) -> SimChat:
        return self._chats[chat_id]

    def bot_user_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    # ================================================================== reading helpers
    def sent_messages(self, chat_id: int | None = None) -> list[SimMessage]:
        """Visible bot messages, of one chat or of all chats (chat by chat)."""
        if chat_id is not None:
            chat = self._chats.get(chat_id)
            return chat.bot_messages if chat else []
        return [m for c in self._chats.values() for m in c.bot_messages]

    def calls_to(self, method: str) -> list[CallRecord]:
        low = method.lower()
        return [c for c in self.calls if c.method.lower() == low]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands stored by setMyCommands for ``scope`` (default scope if None)."""
        return list(self._commands.get((_scope_key(scope), language_code), []))

    @property
    def command_sets(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """All stored command lists keyed by (canonical scope JSON, language_code)."""
        return dict(self._commands)

    @property
    def unconfirmed_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset (or delivered to the webhook)."""
        return len(self._updates)

    async def wait_updates_confirmed(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until every queued update was confirmed by the bot (see ``unconfirmed_updates``)."""
        async with self._cond:
            try:
                await asyncio.wait_for(self._cond.wait_for(lambda: not self._updates), timeout)
            except TimeoutError:
                raise TimeoutError(self._stuck_message(timeout)) from None

    async def wait_idle(
        self,
        quiet: float = 0.05,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> None:
        """Wait for confirmed updates, no request in flight and ``quiet`` seconds of no calls.

        Polling long-polls (getUpdates) don't count as activity.
        """
        deadline = time.monotonic() + timeout
        await self.wait_updates_confirmed(timeout)
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            if not self._updates and self._inflight == 0 and idle_for >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"bot not idle after {timeout}s: {self._inflight} request(s) in flight, "
                    f"{len(self._updates)} unconfirmed update(s)"
                )
            await asyncio.sleep(max(quiet - idle_for, 0.005))

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` is true; it is re-checked after every API call.

        Handy for bot output that is not a reaction to an update (scheduled jobs), e.g.
        ``await sim.wait_until(lambda: len(user.bot_messages) == 2)``.
        """
        if predicate():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, fut)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{what} not reached after {timeout}s ({len(self.calls)} API calls so far)"
            ) from None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def _check_waiters(self) -> None:
        for pred, fut in list(self._waiters):
            if fut.done():
                continue
            try:
                if pred():
                    fut.set_result(None)
            except Exception as exc:  # surface predicate bugs to the waiting test
                fut.set_exception(exc)

    def _stuck_message(self, timeout: float) -> str:
        kinds = [next(k for k in u if k != "update_id") for u in itertools.islice(self._updates, 5)]
        mode = f"webhook {self._webhook['url']}" if self._webhook else "polling"
        last = (
            f"{time.monotonic() - self._last_get_updates:.1f}s ago"
            if self._last_get_updates is not None
            else "never"
        )
        return (
            f"{len(self._updates)} update(s) still unconfirmed after {timeout}s "
            f"(first: {kinds}); mode={mode}; last getUpdates call: {last}. "
            "Is the bot's Application running with base_url=sim.base_url?"
        )

    # ================================================================== internals for people
    async def _queue_update(self, kind: str, payload: dict[str, Any]) -> int:
        uid = self._next_update_id
        self._next_update_id += 1
        self.total_updates += 1
        allowed = self._webhook["allowed_updates"] if self._webhook else self.allowed_updates
        if allowed:
            if kind not in allowed:
                return uid
        elif kind in _DEFAULT_EXCLUDED_UPDATES:
            return uid
        self._updates.append({"update_id": uid, kind: payload})
        async with self._cond:
            self._cond.notify_all()
        if self._webhook is not None:
            self._kick_webhook()
        return uid

    def _register_query(self, qid: str, user: SimUser, data: str | None = None) -> None:
        self._queries[qid] = (user, time.monotonic())
        self._query_data[qid] = data

    def unanswered_callbacks(self) -> list[tuple[int, str | None]]:
        """(user id, callback data) of every press the bot has not answered (yet)."""
        return [
            (user.user_id, self._query_data.get(qid)) for qid, (user, _) in self._queries.items()
        ]

    def _store_file(
        self, filename: str, content: bytes, mime_type: str | None, kind: str
    ) -> SimFile:
        n = next(self._file_seq)
        if mime_type is None:
            mime_type = mimetypes.guess_type(filename)[0]
        folder = "photos" if kind == "photo" else "documents"
        ext = filename.rsplit(".", 1)[1] if "." in filename else "bin"
        f = SimFile(
            file_id=f"{'AgAC' if kind == 'photo' else 'BQAC'}SIM{n:06d}",
            file_unique_id=f"AQADSIM{n:06d}",
            filename=filename,
            content=content,
            mime_type=mime_type,
            kind=kind,
            file_path=f"{folder}/file_{n}.{ext}",
        )
        self._files[f.file_id] = f
        self._files_by_path[f.file_path] = f
        return f

    def _user_message(
        self,
        chat: SimChat,
        user: SimUser,
        *,
        text: str,
        document: SimFile | None = None,
        photo: SimFile | None = None,
    ) -> SimMessage:
        mid = chat.next_message_id()
        now = int(time.time())
        raw: dict[str, Any] = {
            "message_id": mid,
            "from": user.user_json(),
            "chat": chat.chat_json(),
            "date": now,
        }
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            cmd = text.split(maxsplit=1)[0] if text.strip() else text
            entities.append({"offset": 0, "length": utf16_len(cmd), "type": "bot_command"})
        if document is not None:
            raw["document"] = _document_json(document)
        if photo is not None:
            raw["photo"] = _photo_json(photo)
        if document is not None or photo is not None:
            if text:
                raw["caption"] = text
                if entities:
                    raw["caption_entities"] = entities
        else:
            raw["text"] = text
            if entities:
                raw["entities"] = entities
        msg = SimMessage(
            message_id=mid,
            chat_id=chat.id,
            from_bot=False,
            text=text,
            html=text,
            date=now,
            raw=raw,
            entities=entities,
            document=document,
            photo=photo,
            from_user_id=user.user_id,
        )
        chat.messages[mid] = msg
        return msg

    # ================================================================== HTTP
    @staticmethod
    def _json(body: dict[str, Any], status: int = 200) -> web.Response:
        return web.Response(
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            status=status,
            content_type="application/json",
        )

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile], bool]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        from_form = True
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON body must be an object", violation=True)
                raw.update(body)
                from_form = False
            else:
                post = await request.post()
                for key, value in post.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            value.filename, value.file.read(), value.content_type
                        )
                    else:
                        raw[key] = value
        return raw, files, from_form

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        t = time.monotonic()
        method_name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        long_poll = method_name.lower() == "getupdates"
        if not long_poll:
            self._inflight += 1
            self._last_activity = t
        try:
            return await self._handle_inner(request, method_name, t)
        finally:
            if not long_poll:
                self._inflight -= 1
                self._last_activity = time.monotonic()

    async def _handle_inner(
        self, request: web.Request, method_name: str, t: float
    ) -> web.StreamResponse:
        try:
            raw, files, from_form = await self._read_params(request)
        except ApiError as exc:
            return self._finish_error(t, method_name, {}, None, exc)
        except ValueError:
            bad = ApiError(400, "Bad Request: can't parse request body", violation=True)
            return self._finish_error(t, method_name, {}, None, bad)
        chat_id = _int_or_none(raw.get("chat_id"))
        fault = self.faults.take(method_name, chat_id) if self.faults.items else None
        if fault is None and self.chaos.active:
            fault = self.chaos.pick(method_name, chat_id)
        if fault is not None:
            self.stats[f"fault_{fault.kind}"] += 1
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
            elif fault.kind in ("error500", "error502"):
                code = 500 if fault.kind == "error500" else 502
                desc = "Internal Server Error" if code == 500 else "Bad Gateway"
                self.calls.append(CallRecord(t, method_name, raw, chat_id, False, code, desc))
                return self._json({"ok": False, "error_code": code, "description": desc}, code)
            elif fault.kind == "flood":
                ra = max(1, int(-(-fault.delay // 1))) if fault.delay > 0 else 1
                flood = ApiError(
                    429, f"Too Many Requests: retry after {ra}", parameters={"retry_after": ra}
                )
                self.stats["429"] += 1
                return self._finish_error(t, method_name, raw, chat_id, flood)
            elif fault.kind == "drop":
                self.calls.append(CallRecord(t, method_name, raw, chat_id, False, None, "dropped"))
                return await self._drop(request)
        response = await self._execute(method_name, raw, files, from_form, t)
        if fault is not None and fault.kind == "drop_after":
            if self.calls and self.calls[-1].t == t:
                self.lost_answers.append(self.calls[-1])
            return await self._drop(request)
        return response

    @staticmethod
    async def _drop(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            transport.abort() if hasattr(transport, "abort") else transport.close()
        # Nothing can be written any more; aiohttp discards this.
        return web.Response(status=499)

    def _finish_error(
        self,
        t: float,
        method: str,
        params: dict[str, Any],
        chat_id: int | None,
        err: ApiError,
    ) -> web.Response:
        self.calls.append(CallRecord(t, method, params, chat_id, False, err.code, err.description))
        if self._waiters:
            self._check_waiters()
        if err.violation:
            self.violations.append(
                {"method": method, "params": _printable(params), "description": err.description}
            )
        body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
        if err.parameters:
            body["parameters"] = err.parameters
        return self._json(body, err.code)

    async def _execute(
        self,
        method_name: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        from_form: bool,
        t: float,
    ) -> web.Response:
        spec = self.spec.method(method_name)
        chat_id = _int_or_none(raw.get("chat_id"))
        if spec is None:
            err = ApiError(404, "Not Found", violation=True)
            return self._finish_error(t, method_name, raw, chat_id, err)
        name = spec.name
        try:
            params = self.spec.coerce_params(spec, raw, files, from_form=from_form)
        except SpecError as exc:
            desc = exc.description
            if desc == "text is empty" and name in ("sendMessage", "editMessageText"):
                desc = "message text is empty"
            err = ApiError(400, f"Bad Request: {desc}", violation=True)
            return self._finish_error(t, name, _merge_files(raw, files), chat_id, err)
        try:
            if self._limits.enabled and name.lower() in SEND_METHODS:
                ra = self._limiter.check(chat_id)
                if ra is not None:
                    self.stats["429"] += 1
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {ra}",
                        parameters={"retry_after": ra},
                    )
            handler = self._handlers.get(name)
            if handler is not None:
                result = await handler(params)
            else:
                result = self._fallback(spec)
        except ApiError as err:
            return self._finish_error(t, name, params, chat_id, err)
        self.stats["ok"] += 1
        self.calls.append(CallRecord(t, name, params, chat_id, True, None, None, result))
        if self._waiters:
            self._check_waiters()
        return self._json({"ok": True, "result": result})

    def _fallback(self, spec: MethodSpec) -> Any:
        if spec.returns == ("Boolean",) or spec.returns == ("True",):
            self.stats[f"noop_{spec.name}"] += 1
            return True
        raise ApiError(
            400,
            f"Bad Request: method {spec.name} is not supported by the simulator "
            f"(it would return {' or '.join(spec.returns)})",
            violation=True,
        )

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        f = self._files_by_path.get(request.match_info["path"])
        if f is None:
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=f.content, content_type=f.mime_type or "application/octet-stream")

    # ================================================================== helpers for methods
    def _target_chat(self, params: dict[str, Any], *, check_blocked: bool = True) -> SimChat:
        cid = params.get("chat_id")
        chat = self._chats.get(cid) if isinstance(cid, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if check_blocked and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _render(
        self,
        params: dict[str, Any],
        field: str,
        entities_field: str,
        *,
        limit: int,
        required: bool,
    ) -> tuple[str, str, list[dict[str, Any]]]:
        """Returns (plain text, html as sent, entities) or raises a 400 violation."""
        src = params.get(field)
        if src is None:
            src = ""
        src = str(src)
        parse_mode = params.get("parse_mode")
        if parse_mode:
            mode = str(parse_mode).lower()
            if mode != "html":
                if mode in ("markdown", "markdownv2"):
                    raise ApiError(
                        400,
                        f"Bad Request: the simulator supports parse_mode HTML only, "
                        f"got {parse_mode}",
                        violation=True,
                    )
                raise ApiError(400, "Bad Request: unsupported parse_mode", violation=True)
            try:
                text, entities = parse_html(src)
            except HtmlParseError as exc:
                raise ApiError(
                    400, f"Bad Request: can't parse entities: {exc}", violation=True
                ) from None
            html = src
        else:
            text = src
            entities = list(params.get(entities_field) or [])
            html = src
        text, entities = trim_text(text, entities)
        if required and not text:
            raise ApiError(400, "Bad Request: message text is empty", violation=True)
        if utf16_len(text) > limit:
            what = "message is too long" if field == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {what}", violation=True)
        return text, html, entities

    @staticmethod
    def _inline_markup(params: dict[str, Any], chat: SimChat) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not isinstance(markup, dict):
            return None
        if "inline_keyboard" in markup:
            return markup
        if "keyboard" in markup:
            chat.keyboard = [
                [b.get("text", "") if isinstance(b, dict) else str(b) for b in row]
                for row in markup["keyboard"]
            ]
        elif markup.get("remove_keyboard"):
            chat.keyboard = None
        return None

    def _new_bot_message(
        self,
        chat: SimChat,
        params: dict[str, Any],
        *,
        text: str,
        html: str,
        entities: list[dict[str, Any]],
        caption: bool = False,
        document: SimFile | None = None,
        photo: SimFile | None = None,
    ) -> dict[str, Any]:
        markup = self._inline_markup(params, chat)
        reply_to: SimMessage | None = None
        rp = params.get("reply_parameters")
        if isinstance(rp, dict):
            reply_to = chat.messages.get(rp["message_id"])
            if (reply_to is None or reply_to.deleted) and not rp.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        mid = chat.next_message_id()
        now = int(time.time())
        raw: dict[str, Any] = {
            "message_id": mid,
            "from": self.bot_user_json(),
            "chat": chat.chat_json(),
            "date": now,
        }
        if reply_to is not None and not reply_to.deleted:
            raw["reply_to_message"] = reply_to.raw
        if document is not None:
            raw["document"] = _document_json(document)
        if photo is not None:
            raw["photo"] = _photo_json(photo)
        _set_text(raw, text, entities, caption)
        if markup is not None:
            raw["reply_markup"] = markup
        chat.messages[mid] = SimMessage(
            message_id=mid,
            chat_id=chat.id,
            from_bot=True,
            text=text,
            html=html,
            date=now,
            raw=raw,
            entities=entities,
            reply_markup=markup,
            document=document,
            photo=photo,
        )
        return raw

    def _resolve_file(self, value: Any, kind: str) -> SimFile:
        if isinstance(value, UploadedFile):
            return self._store_file(value.filename, value.content, value.content_type, kind)
        if isinstance(value, str):
            f = self._files.get(value)
            if f is not None:
                return f
            if value.startswith(("http://", "https://")):
                name = urlsplit(value).path.rsplit("/", 1)[-1] or "file"
                return self._store_file(name, b"", None, kind)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified", violation=True)

    def _editable(self, params: dict[str, Any]) -> tuple[SimChat, SimMessage] | None:
        if params.get("inline_message_id") is not None:
            return None
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise ApiError(400, "Bad Request: message identifier is not specified", violation=True)
        chat = self._target_chat(params)
        msg = chat.messages.get(params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited", violation=True)
        return chat, msg

    @staticmethod
    def _apply_edit(
        msg: SimMessage,
        *,
        text: str,
        html: str,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        caption = msg.document is not None or msg.photo is not None
        if text != msg.text:
            msg.history.append(msg.text)
        msg.text, msg.html, msg.entities, msg.reply_markup = text, html, entities, markup
        msg.edited = True
        raw = {k: v for k, v in msg.raw.items() if k not in _TEXT_KEYS}
        _set_text(raw, text, entities, caption)
        if markup is not None:
            raw["reply_markup"] = markup
        raw["edit_date"] = int(time.time())
        msg.raw = raw
        return raw

    # ================================================================== methods
    async def _true(self, params: dict[str, Any]) -> Any:
        return True

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        self._last_get_updates = time.monotonic()
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"] or []) or None
        self._poll_generation += 1
        generation = self._poll_generation
        async with self._cond:
            if offset is not None:
                self._confirm(int(offset))
            # wake (and thereby terminate) an older long poll: only one poller may wait
            self._cond.notify_all()
            if not self._updates and timeout > 0 and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._cond.wait_for(
                            lambda: (
                                bool(self._updates)
                                or self._closing
                                or generation != self._poll_generation
                            )
                        ),
                        timeout,
                    )
                if generation != self._poll_generation:
                    raise ApiError(409, _POLL_CONFLICT)
            return list(itertools.islice(self._updates, limit))

    def _confirm(self, offset: int) -> None:
        ups = self._updates
        if offset < 0:
            while len(ups) > -offset:
                ups.popleft()
            return
        while ups and ups[0]["update_id"] < offset:
            ups.popleft()

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(
                400, "Bad Request: bad webhook: invalid webhook URL specified", violation=True
            )
        if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
            raise ApiError(
                400,
                "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                violation=True,
            )
        if params.get("drop_pending_updates"):
            await self._drop_pending()
        allowed = params.get("allowed_updates")
        self._webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": list(allowed) if allowed else None,
            "max_connections": params.get("max_connections") or 40,
        }
        self._webhook_error = None
        if self._updates:
            self._kick_webhook()
        return True

    async def _drop_pending(self) -> None:
        async with self._cond:
            self._updates.clear()
            self._cond.notify_all()

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            await self._drop_pending()
        self._webhook = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            info["ip_address"] = "127.0.0.1"
            if self._webhook["allowed_updates"]:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        if self._webhook_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _kick_webhook(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())

    async def _deliver_webhook(self) -> None:
        while self._updates and self._webhook is not None and not self._closing:
            hook = self._webhook
            host = urlsplit(hook["url"]).hostname
            if host not in _LOCAL_HOSTS:
                self._webhook_error = (
                    int(time.time()),
                    "the simulator delivers webhooks to 127.0.0.1 only",
                )
                return
            if self._http is None:
                self._http = ClientSession(timeout=ClientTimeout(total=30))
            update = self._updates[0]
            headers = {"Content-Type": "application/json"}
            if hook["secret_token"]:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            try:
                async with self._http.post(
                    hook["url"],
                    data=json.dumps(update, ensure_ascii=False).encode(),
                    headers=headers,
                ) as resp:
                    if resp.status >= 300:
                        self._webhook_error = (
                            int(time.time()),
                            f"Wrong response from the webhook: {resp.status} {resp.reason}",
                        )
            except (OSError, TimeoutError) as exc:
                self._webhook_error = (int(time.time()), f"Connection failed: {exc}")
            self.stats["webhook_deliveries"] += 1
            async with self._cond:
                if self._updates and self._updates[0] is update:
                    self._updates.popleft()
                self._cond.notify_all()

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        text, html, entities = self._render(params, "text", "entities", limit=4096, required=True)
        return self._new_bot_message(chat, params, text=text, html=html, entities=entities)

    async def _send_document(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        text, html, entities = self._render(
            params, "caption", "caption_entities", limit=1024, required=False
        )
        f = self._resolve_file(params["document"], "document")
        return self._new_bot_message(
            chat, params, text=text, html=html, entities=entities, caption=True, document=f
        )

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        text, html, entities = self._render(
            params, "caption", "caption_entities", limit=1024, required=False
        )
        f = self._resolve_file(params["photo"], "photo")
        return self._new_bot_message(
            chat, params, text=text, html=html, entities=entities, caption=True, photo=f
        )

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        found = self._editable(params)
        text, html, entities = self._render(params, "text", "entities", limit=4096, required=True)
        if found is None:
            return True
        chat, msg = found
        if msg.document is not None or msg.photo is not None:
            raise ApiError(
                400, "Bad Request: there is no text in the message to edit", violation=True
            )
        markup = self._inline_markup(params, chat)
        return self._apply_edit(msg, text=text, html=html, entities=entities, markup=markup)

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        found = self._editable(params)
        text, html, entities = self._render(
            params, "caption", "caption_entities", limit=1024, required=False
        )
        if found is None:
            return True
        chat, msg = found
        if msg.document is None and msg.photo is None:
            raise ApiError(
                400, "Bad Request: there is no caption in the message to edit", violation=True
            )
        markup = self._inline_markup(params, chat)
        return self._apply_edit(msg, text=text, html=html, entities=entities, markup=markup)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        found = self._editable(params)
        if found is None:
            return True
        chat, msg = found
        markup = self._inline_markup(params, chat)
        return self._apply_edit(
            msg, text=msg.text, html=msg.html, entities=msg.entities, markup=markup
        )

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params, check_blocked=False)
        msg = chat.messages.get(params["message_id"])
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        msg.deleted = True
        return True

    async def _delete_messages(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params, check_blocked=False)
        for mid in params["message_ids"]:
            msg = chat.messages.get(mid)
            if msg is not None:
                msg.deleted = True
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        entry = self._queries.pop(params["callback_query_id"], None)
        data = self._query_data.pop(params["callback_query_id"], None)
        if entry is None or time.monotonic() - entry[1] > self.callback_query_ttl:
            self.stats["callback_too_old"] += entry is not None
            raise ApiError(400, _QUERY_TOO_OLD)
        user = entry[0]
        text = params.get("text")
        if text:
            user.alerts.append(Alert(str(text), bool(params.get("show_alert")), data))
        return True

    def _command_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope")
        if isinstance(scope, dict) and isinstance(scope.get("chat_id"), int):
            self._target_chat(scope, check_blocked=False)
        return _scope_key(scope), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        cmds = [
            {"command": c["command"], "description": c["description"]} for c in params["commands"]
        ]
        if len(cmds) > 100:
            raise ApiError(400, "Bad Request: too many commands", violation=True)
        self._commands[self._command_key(params)] = cmds
        return True

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._command_key(params), None)
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        return list(self._commands.get(self._command_key(params), []))

    async def _get_chat(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params, check_blocked=False)
        return {
            **chat.chat_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_file(self, params: dict[str, Any]) -> Any:
        f = self._files.get(params["file_id"])
        if f is None:
            raise ApiError(400, "Bad Request: invalid file_id", violation=True)
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "file_path": f.file_path,
        }


_TEXT_KEYS = frozenset(["text", "entities", "caption", "caption_entities", "reply_markup"])


def _set_text(
    raw: dict[str, Any], text: str, entities: list[dict[str, Any]], caption: bool
) -> None:
    if caption:
        if text:
            raw["caption"] = text
            if entities:
                raw["caption_entities"] = entities
    else:
        raw["text"] = text
        if entities:
            raw["entities"] = entities


def _document_json(f: SimFile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "file_id": f.file_id,
        "file_unique_id": f.file_unique_id,
        "file_name": f.filename,
        "file_size": f.size,
    }
    if f.mime_type:
        out["mime_type"] = f.mime_type
    return out


def _photo_json(f: SimFile) -> list[dict[str, Any]]:
    return [
        {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "width": 320,
            "height": 320,
            "file_size": f.size,
        }
    ]


def _scope_key(scope: dict[str, Any] | None) -> str:
    if not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True, ensure_ascii=False)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _merge_files(raw: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
    if not files:
        return raw
    return {**raw, **files}


def _printable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.describe() if isinstance(v, UploadedFile) else v) for k, v in params.items()}
