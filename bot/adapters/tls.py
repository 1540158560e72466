"""One TLS context for every HTTP client the adapters build.

Building a context loads the CA bundle (about 0.1 s); python-telegram-bot makes
two clients and the WhatsApp adapter one, each with its own otherwise. A
verifying client context is safe to share, so it is built once per process.
"""

from __future__ import annotations

import functools
import ssl

import certifi


@functools.cache
def client_tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())
