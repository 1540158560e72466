"""Reading `multipart/form-data` bodies (file uploads) in the fake platform servers, with the
standard library's e-mail parser (Starlette would need python-multipart for this)."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesParser


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Upload]]:
    """The plain fields and the uploaded files of a multipart body, by field name."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if not isinstance(name, str):
            continue
        if filename is not None:
            files[name] = Upload(filename, content, part.get_content_type())
        else:
            fields[name] = content.decode()
    return fields, files
