"""Passing files between platforms: fetch from the platform that holds a file, upload to another.

A file a customer sends on WhatsApp lives on Meta's servers under a media id only our
access token can read; a Telegram `file_id` means something only to our bot; a
Discord attachment is a signed CDN link that expires. On its own platform a file is
sent on by reference. Anywhere else the adapter that must post it asks the
`MediaBridge` for the bytes, which the adapter of the file's platform downloads
(`download`), and uploads them itself. Files above `MAX_BYTES` are not passed on:
the sending fails, and the core falls back to words (`bot.handoff.undelivered`).

`link_media(adapters)` connects every adapter to one bridge; `bot.adapters.registry`
does it for the running bot.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bot.adapters.base import PermanentError, Unsupported
from bot.events import Media

MAX_BYTES = 20 * 1024 * 1024  # Telegram lets bots download at most 20 MB; WhatsApp images 5 MB
_EXTENSIONS = {
    "photo": ".jpg",
    "video": ".mp4",
    "animation": ".mp4",
    "voice": ".ogg",
    "audio": ".mp3",
    "sticker": ".webp",
    "video_note": ".mp4",
}


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file's bytes, with a name and a MIME type another platform accepts."""

    content: bytes
    file_name: str
    mime_type: str


@runtime_checkable
class MediaSource(Protocol):
    platform: str

    async def download(self, media: Media) -> MediaFile:
        """The bytes of a file of this platform; raises the sender's errors when it cannot."""
        ...


class MediaBridge:
    """Fetches a file from the adapter of its platform, for another adapter to upload."""

    def __init__(self, sources: Iterable[MediaSource] = ()) -> None:
        self._sources = {source.platform: source for source in sources}

    async def fetch(self, media: Media) -> MediaFile:
        source = self._sources.get(media.platform)
        if source is None:
            raise Unsupported(f"cannot fetch a {media.platform} file: that platform is not connected here")
        if media.size is not None and media.size > MAX_BYTES:
            raise PermanentError(f"the file is too large to pass on ({_megabytes(media.size)}; at most 20 MB)")
        found = await source.download(media)
        if len(found.content) > MAX_BYTES:
            raise PermanentError(
                f"the file is too large to pass on ({_megabytes(len(found.content))}; at most 20 MB)"
            )
        return found


def link_media(adapters: Iterable[Any]) -> MediaBridge:
    """One bridge over every adapter that can download, given to every adapter that uploads."""
    everyone = list(adapters)
    bridge = MediaBridge(adapter for adapter in everyone if isinstance(adapter, MediaSource))
    for adapter in everyone:
        if hasattr(adapter, "media_bridge"):
            adapter.media_bridge = bridge
    return bridge


def named_file(media: Media, content: bytes, mime_type: str | None = None, path: str | None = None) -> MediaFile:
    """A `MediaFile` with the best name and type known: the sender's, the platform's, or the kind's."""
    mime = media.mime_type or mime_type or ""
    name = media.file_name or (path.rsplit("/", 1)[-1] if path else "")
    if not name or "." not in name:
        extension = mimetypes.guess_extension(mime.split(";")[0]) if mime else None
        name = f"{name or media.kind}{extension or _EXTENSIONS.get(media.kind, '')}"
    if not mime:
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return MediaFile(content, name, mime.split(";")[0].strip())


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
