"""What ``qa serve`` accepts over HTTP, decided before Gradio reads a request.

- **Hosts**: only requests addressed (``Host`` header) to a name the server is bound
  to: the loopback names, the ``--host`` it listens on, and any name listed in
  ``QA_ALLOWED_HOSTS``. Any other gets 400, so a page on another site whose name was
  rebound to this machine's address (DNS rebinding) cannot read the chat. This is
  Starlette's ``TrustedHostMiddleware``. Likewise a page is only let read responses
  cross-origin (CORS) when its ``Origin`` is one of those names: Gradio's own CORS
  would allow any origin once the server is reached by a name other than loopback.
- **No uploads**: the app has no file input, so Gradio's upload route and every
  ``multipart/form-data`` body get 403 before a byte of them is read; nothing a
  client sends is written to disk.
- **Small bodies**: a body over :data:`MAX_BODY_BYTES` gets 413, whether its
  ``Content-Length`` says so or it grows past the limit while streamed (FastAPI's
  ``max_body_size``).
- **Framing and sniffing**: every response forbids framing by any page
  (``X-Frame-Options: DENY``, ``Content-Security-Policy: frame-ancestors 'none'``) and
  content sniffing (``X-Content-Type-Options: nosniff``).

The host, upload and header checks wrap Gradio's whole ASGI app, outside its CORS
middleware, so a refused request gets no ``Access-Control-Allow-Origin`` either.

Example:
    >>> kwargs = app_kwargs("127.0.0.1")
    >>> app.launch(server_name="127.0.0.1", app_kwargs=kwargs)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "LOOPBACK_HOSTS",
    "MAX_BODY_BYTES",
    "SECURITY_HEADERS",
    "AllowedOriginsOnly",
    "NoUploads",
    "SecurityHeaders",
    "allowed_hosts",
    "app_kwargs",
    "guard",
]

#: Largest request body accepted (bytes): a question is at most 2,000 characters, and
#: the chat's history stays on the server (:mod:`qa.app.chat_input`), never sent back.
MAX_BODY_BYTES = 1024 * 1024
#: Names that always reach the server: it is always reachable on loopback.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: Sent with every response.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
#: Bind addresses that mean "every interface": not a name a client can use.
_ANY_ADDRESS = ("0.0.0.0", "::", "[::]")


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> list[str]:
    """The ``Host`` names accepted when listening on ``host``.

    Args:
        host: The address or name the server listens on (``--host``).
        extra: More names, e.g. the public name a reverse proxy forwards
            (``QA_ALLOWED_HOSTS``); ``*.example.org`` accepts its subdomains.

    Example:
        >>> allowed_hosts("192.168.1.5", ["qa.example.org"])
        ['127.0.0.1', 'localhost', '[::1]', '192.168.1.5', 'qa.example.org']
    """
    names = [*LOOPBACK_HOSTS]
    if host and host not in _ANY_ADDRESS:
        names.append(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    names.extend(name.strip() for name in extra if name.strip())
    return list(dict.fromkeys(name.lower() for name in names))


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response of ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AllowedOriginsOnly:
    """Removes the CORS grant (``Access-Control-Allow-*``) from responses to a request
    whose ``Origin`` is not on ``hosts`` (patterns as in :func:`allowed_hosts`)."""

    def __init__(self, app: ASGIApp, hosts: Sequence[str]) -> None:
        self.app = app
        self.hosts = [h.lower() for h in hosts]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is None or _origin_allowed(origin, self.hosts):
            await self.app(scope, receive, send)
            return

        async def send_without_grant(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name in [n for n in headers if n.startswith("access-control-allow-")]:
                    del headers[name]
            await send(message)

        await self.app(scope, receive, send_without_grant)


def _origin_allowed(origin: str, hosts: Sequence[str]) -> bool:
    try:
        name = urlsplit(origin).hostname  # None for "null" (a sandboxed page or file)
    except ValueError:
        return False
    if not name:
        return False
    name = f"[{name}]" if ":" in name else name
    return any(name == h or (h.startswith("*.") and name.endswith(h[1:])) for h in hosts)


class NoUploads:
    """Answers 403 to Gradio's upload route and to any ``multipart/form-data`` body,
    without reading it (the app has no file input)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_upload(scope):
            refusal = PlainTextResponse("uploads are not accepted: this app takes no files", 403)
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_upload(scope: Scope) -> bool:
    if scope["path"].rstrip("/").endswith("/upload"):
        return True
    content_type = Headers(scope=scope).get("content-type", "")
    return content_type.strip().lower().startswith("multipart/form-data")


def guard(app: ASGIApp, hosts: Iterable[str]) -> ASGIApp:
    """``app`` behind the host check, the origin check and the upload refusal, with the
    security headers on every response (refusals included)."""
    hosts = list(hosts)
    inner = AllowedOriginsOnly(NoUploads(app), hosts)
    return SecurityHeaders(TrustedHostMiddleware(inner, allowed_hosts=hosts))


def app_kwargs(host: str, extra_hosts: Iterable[str] = ()) -> dict[str, Any]:
    """Keyword arguments for Gradio's ``launch(app_kwargs=...)`` that guard the app.

    The body limit is FastAPI's own (``max_body_size``); the rest wraps the app's
    middleware stack when the server starts, before it listens (uvicorn runs the
    lifespan first), so no request reaches the app unguarded.

    Args:
        host: The address the server listens on.
        extra_hosts: More ``Host`` names to accept (see :func:`allowed_hosts`).
    """
    hosts = allowed_hosts(host, extra_hosts)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # Starlette builds the stack on the first ASGI call, this lifespan's; wrapping
        # it (rather than adding middleware, which Gradio's CORS would then enclose)
        # puts the guard outermost.
        app.middleware_stack = guard(app.middleware_stack or app.build_middleware_stack(), hosts)
        yield

    return {"max_body_size": MAX_BODY_BYTES, "lifespan": lifespan}
