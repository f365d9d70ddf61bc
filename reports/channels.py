"""Delivery channels, registered by name: how a finished digest message leaves.

``digest.channel`` names one: ``smtp`` (the mail server in the ``smtp.*`` settings) or
``file`` (writes each message as ``<data_dir>/mail/<message-id>.eml`` and counts it as
delivered; for trying planwatch without a mail server). A channel gets the exact bytes
the outbox stored, so a re-sent digest is the same message. A new channel is a
subclass with a ``kind``; an unknown name is a ConfigError listing the valid ones.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from reports.mailer import SmtpSettings, send_raw
from store.errors import ConfigError, DeliveryError
from store.settings import Config

__all__ = ["Channel", "FileChannel", "SmtpChannel", "channel_for", "channel_kinds"]

_REGISTRY: dict[str, type[Channel]] = {}


class Channel(ABC):
    """A way to deliver a finished message; ``deliver`` returns a receipt or raises DeliveryError."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            _REGISTRY[cls.kind] = cls

    def __init__(self, config: Config) -> None:
        self.config = config

    @abstractmethod
    def deliver(self, raw: bytes, *, sender: str, recipients: Sequence[str], message_id: str) -> str:
        """Hand over ``raw``; return a short receipt once it was accepted."""


class SmtpChannel(Channel):
    """The SMTP server of the ``smtp.*`` settings."""

    kind = "smtp"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.settings = SmtpSettings.from_config(config)

    def deliver(self, raw: bytes, *, sender: str, recipients: Sequence[str], message_id: str) -> str:
        return send_raw(self.settings, sender=sender, recipients=recipients, raw=raw)


class FileChannel(Channel):
    """``<data_dir>/mail/<message-id>.eml``; delivering the same digest again rewrites the same file."""

    kind = "file"

    def deliver(self, raw: bytes, *, sender: str, recipients: Sequence[str], message_id: str) -> str:
        folder = self.config.ensure_data_dir() / "mail"
        name = re.sub(r"[^\w.@-]+", "_", message_id.strip("<>")) or "message"
        path = folder / f"{name}.eml"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".eml.part")
            partial.write_bytes(raw)
            os.replace(partial, path)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return f"written to {path}"


def channel_kinds() -> list[str]:
    return sorted(_REGISTRY)


def channel_for(config: Config, name: str | None = None) -> Channel:
    """The channel named by ``name`` or the ``digest.channel`` setting."""
    kind = name or str(config["digest.channel"])
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise ConfigError(f"digest.channel {kind!r} is not a delivery channel; valid: {', '.join(channel_kinds())}")
    return cls(config)
