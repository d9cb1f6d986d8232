"""Simulated people and chats: what a person does (send, press, block) and what they see."""

from __future__ import annotations

import html as _html
import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.server import BotAPISimulator

__all__ = ["Alert", "SimChat", "SimFile", "SimGroup", "SimMessage", "SimUser"]

_query_ids = itertools.count(1)


class Alert(str):
    """Text of an ``answerCallbackQuery`` as the person saw it; compares equal to the text.

    `data` is the callback data of the press it answers: a person who pressed two buttons
    can tell which press an answer belongs to (the toast appears under that button).
    """

    show_alert: bool
    data: str | None

    def __new__(cls, text: str, show_alert: bool = False, data: str | None = None) -> Alert:
        obj = super().__new__(cls, text)
        obj.show_alert = show_alert
        obj.data = data
        return obj


@dataclass(slots=True)
class SimFile:
    """A file stored in the simulator (uploaded by the bot or sent by a person)."""

    file_id: str
    file_unique_id: str
    filename: str
    content: bytes
    mime_type: str | None = None
    kind: str = "document"  # "document" | "photo"
    file_path: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(slots=True, eq=False)
class SimMessage:
    """One message in a chat, as the person sees it (``text``) and as it was sent (``html``)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str
    html: str
    date: int
    raw: dict[str, Any]
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    edited: bool = False
    deleted: bool = False
    document: SimFile | None = None
    photo: SimFile | None = None
    history: list[str] = field(default_factory=list)
    from_user_id: int | None = None

    def _inline_rows(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def buttons(self) -> list[list[str]]:
        """Inline button texts, row by row."""
        return [[str(b.get("text", "")) for b in row] for row in self._inline_rows()]

    @property
    def button_data(self) -> list[list[str | None]]:
        """``callback_data`` of each inline button (None for URL etc. buttons)."""
        return [[b.get("callback_data") for b in row] for row in self._inline_rows()]

    @property
    def button_urls(self) -> list[list[str | None]]:
        """``url`` of each inline button (None for callback buttons)."""
        return [[b.get("url") for b in row] for row in self._inline_rows()]

    @property
    def flat_buttons(self) -> list[str]:
        return [t for row in self.buttons for t in row]

    def find_button(self, label: str) -> dict[str, Any] | None:
        """The inline button whose text (or callback_data) equals ``label``."""
        rows = self._inline_rows()
        for row in rows:
            for b in row:
                if b.get("text") == label:
                    return b
        for row in rows:
            for b in row:
                if b.get("callback_data") == label:
                    return b
        return None

    def render(self) -> str:
        """Readable form used by :meth:`SimChat.transcript`."""
        lines: list[str] = []
        body = self.text
        if self.document is not None:
            body = f"[document: {self.document.filename}]" + (f"\n{body}" if body else "")
        if self.photo is not None:
            body = "[photo]" + (f"\n{body}" if body else "")
        if self.from_bot:
            lines.append(body + (" (edited)" if self.edited else ""))
            lines.extend(" ".join(f"[ {t} ]" for t in row) for row in self.buttons)
        else:
            lines.extend(f"> {line}" for line in body.split("\n"))
        return "\n".join(lines)


class SimChat:
    """State of one chat (private or group) plus the reading API shared by users and groups."""

    def __init__(self, sim: BotAPISimulator, chat_id: int, chat_type: str) -> None:
        self._sim = sim
        self.id = chat_id
        self.type = chat_type
        self.messages: dict[int, SimMessage] = {}
        self._next_message_id = 1
        self.blocked = False
        self.keyboard: list[list[str]] | None = None
        self.chat_instance = str(-(abs(chat_id) * 7919 + 104729))
        self.alerts: list[Alert] = []

    # ------------------------------------------------------------------ plumbing
    def next_message_id(self) -> int:
        mid = self._next_message_id
        self._next_message_id += 1
        return mid

    def chat_json(self) -> dict[str, Any]:
        raise NotImplementedError

    # ------------------------------------------------------------------ reading
    @property
    def chat(self) -> list[SimMessage]:
        """All visible messages of this chat (both sides), oldest first."""
        return [m for m in self.messages.values() if not m.deleted]

    @property
    def bot_messages(self) -> list[SimMessage]:
        return [m for m in self.messages.values() if m.from_bot and not m.deleted]

    @property
    def last(self) -> SimMessage:
        """The newest visible bot message (AssertionError if the bot said nothing)."""
        for m in reversed(self.messages.values()):
            if m.from_bot and not m.deleted:
                return m
        raise AssertionError(f"the bot has not sent anything to chat {self.id}")

    def message(self, message_id: int) -> SimMessage:
        return self.messages[message_id]

    def transcript(self) -> str:
        """The conversation as readable text: ``> typed`` lines and bot messages with buttons."""
        return "\n".join(m.render() for m in self.chat)

    def _find_pressable(self, button: str, message: SimMessage | None) -> tuple[SimMessage, str]:
        candidates = [message] if message is not None else list(reversed(self.bot_messages))
        for m in candidates:
            b = m.find_button(button)
            if b is not None:
                data = b.get("callback_data")
                if data is None:
                    raise AssertionError(
                        f"button {button!r} on message {m.message_id} is not a callback button: {b}"
                    )
                return m, str(data)
        where = f"message {message.message_id}" if message is not None else f"chat {self.id}"
        existing = [f"#{m.message_id}: {m.buttons}" for m in candidates if m.buttons] or [
            "(no inline buttons at all)"
        ]
        raise AssertionError(
            f"no button {button!r} in {where}; buttons present:\n  " + "\n  ".join(existing)
        )


class SimUser(SimChat):
    """A person with a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        sim: BotAPISimulator,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> None:
        super().__init__(sim, user_id, "private")
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"SimUser({self.user_id}, {self.first_name!r})"

    def user_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    def chat_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        return out

    # ------------------------------------------------------------------ acting
    async def send(self, text: str, chat: SimChat | None = None) -> int:
        """Type ``text`` (into the private chat or ``chat``); returns the update_id."""
        target = chat or self
        if target is self and self.blocked:
            await self.unblock()  # writing to a blocked bot unblocks it, like in Telegram
        msg = target._sim._user_message(target, self, text=text)
        return await self._sim._queue_update("message", msg.raw)

    async def send_document(
        self,
        filename: str,
        content: bytes,
        caption: str | None = None,
        mime_type: str | None = None,
        chat: SimChat | None = None,
    ) -> int:
        """Send a file as a document; the bot can getFile/download it."""
        target = chat or self
        f = self._sim._store_file(filename, content, mime_type, kind="document")
        msg = self._sim._user_message(target, self, text=caption or "", document=f)
        return await self._sim._queue_update("message", msg.raw)

    async def send_photo(
        self, content: bytes, caption: str | None = None, chat: SimChat | None = None
    ) -> int:
        target = chat or self
        f = self._sim._store_file("photo.jpg", content, "image/jpeg", kind="photo")
        msg = self._sim._user_message(target, self, text=caption or "", photo=f)
        return await self._sim._queue_update("message", msg.raw)

    async def press(self, button: str, message: SimMessage | None = None) -> int:
        """Press the inline button labelled ``button`` (text or callback_data).

        Looks on ``message`` or else on the newest bot message in this chat having it.
        """
        chat: SimChat = self
        if message is not None:
            chat = self._sim._chats[message.chat_id]
        m, data = chat._find_pressable(button, message)
        return await self._callback(chat, m, data)

    async def press_data(self, message_id: int, data: str, chat: SimChat | None = None) -> int:
        """Send a callback_query with arbitrary (possibly forged) ``data`` for a message."""
        target = chat or self
        m = target.messages.get(message_id)
        if m is None:
            raise AssertionError(f"no message {message_id} in chat {target.id}")
        return await self._callback(target, m, data)

    async def _callback(self, chat: SimChat, m: SimMessage, data: str) -> int:
        qid = f"{self.user_id}{next(_query_ids):08d}"
        self._sim._register_query(qid, self, data)
        payload: dict[str, Any] = {
            "id": qid,
            "from": self.user_json(),
            "message": m.raw,
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        return await self._sim._queue_update("callback_query", payload)

    async def block(self) -> int:
        """Block the bot: ``my_chat_member`` update (member -> kicked); sends then get 403."""
        self.blocked = True
        return await self._member_update("member", "kicked")

    async def unblock(self) -> int:
        self.blocked = False
        return await self._member_update("kicked", "member")

    async def _member_update(self, old: str, new: str) -> int:
        bot = self._sim.bot_user_json()
        now = int(time.time())
        old_m: dict[str, Any] = {"status": old, "user": bot}
        new_m: dict[str, Any] = {"status": new, "user": bot}
        if old == "kicked":
            old_m["until_date"] = 0
        if new == "kicked":
            new_m["until_date"] = 0
        payload = {
            "chat": self.chat_json(),
            "from": self.user_json(),
            "date": now,
            "old_chat_member": old_m,
            "new_chat_member": new_m,
        }
        return await self._sim._queue_update("my_chat_member", payload)

    @property
    def callback_answers(self) -> list[Alert]:
        return self.alerts


class SimGroup(SimChat):
    """A group chat (negative id). People write into it with ``group.send(user, text)``."""

    def __init__(self, sim: BotAPISimulator, chat_id: int, title: str) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        super().__init__(sim, chat_id, "group")
        self.title = title

    def __repr__(self) -> str:
        return f"SimGroup({self.id}, {self.title!r})"

    def chat_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": "group", "title": self.title}

    async def send(self, user: SimUser, text: str) -> int:
        return await user.send(text, chat=self)


def escape(text: str) -> str:
    """HTML-escape like Telegram expects (``&``, ``<``, ``>``)."""
    return _html.escape(text, quote=False)
