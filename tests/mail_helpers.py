"""A real SMTP server for the tests (aiosmtpd on loopback), and servers that misbehave.

The suite starts one per test process; `Mailbox.mode` makes it accept ("ok"), answer 4xx
or answer 5xx to every recipient. Messages arrive parsed (email.message.EmailMessage).
"""

from __future__ import annotations

import contextlib
import email
import re
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What the local SMTP server received, and how it answers."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.mode = "ok"  # ok | 4xx | 5xx
        self.port = 0

    def reset(self) -> None:
        self.messages.clear()
        self.mode = "ok"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def link(self, message: EmailMessage, path_part: str) -> str:
        """The first address in the plain-text body that contains `path_part`."""
        text = message.get_body(("plain",)).get_content()
        match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", text)
        assert match, f"no link with {path_part} in:\n{text}"
        return match.group(0)

    # aiosmtpd handler hooks
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.mode == "4xx":
            return "451 4.3.0 Try again later"
        if self.mode == "5xx":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


@contextlib.contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """Run an aiosmtpd server on a free loopback port while the block runs."""
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@contextlib.contextmanager
def hanging_server() -> Iterator[int]:
    """A port that accepts connections and then says nothing (a hung mail server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # connections complete in the kernel; nobody ever answers
        yield listener.getsockname()[1]
