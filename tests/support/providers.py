"""Local stand-ins for Discord, Telegram, PagerDuty, Opsgenie and an SMTP relay that check
each request against the provider's documented shape and answer like the provider.

A request that breaks a documented rule is refused (400 with the reasons, like the real
APIs), so a channel that renders something the provider would reject fails its test.
Documented rules checked:
- Discord webhook: content <= 2000; <= 10 embeds; title <= 256, description <= 4096,
  <= 25 fields (name 1..256, value 1..1024), footer <= 2048, all embed text <= 6000,
  color 0..0xFFFFFF.
- Telegram sendMessage: chat_id; text 1..4096 characters after entities are parsed;
  parse_mode HTML with only the supported tags, balanced, entities escaped.
- PagerDuty Events v2: routing_key (32 chars), event_action trigger|acknowledge|resolve,
  dedup_key <= 255; trigger: payload.summary (<= 1024), payload.source, payload.severity
  in critical|error|warning|info.
- Opsgenie create alert: GenieKey auth, message 1..130, alias <= 512, description
  <= 15000, priority P1..P5, <= 20 tags of <= 50, details <= 8000 characters, entity
  <= 512, source <= 100; close by alias.
- E-mail (RFC 5322): exactly one From and Date, a Message-ID, To, Subject; lines <= 998
  octets; delivered over STARTTLS only.
"""

from __future__ import annotations

import email
import email.policy
import html
import ssl
import subprocess
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                 "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"}


def _discord_problems(body: dict[str, Any]) -> list[str]:
    out = []
    if len(body.get("content") or "") > 2000:
        out.append("content > 2000")
    embeds = body.get("embeds") or []
    if not body.get("content") and not embeds:
        out.append("empty message")
    if len(embeds) > 10:
        out.append("> 10 embeds")
    for e in embeds:
        fields = e.get("fields", [])
        total = len(e.get("title", "")) + len(e.get("description", "")) + len(
            e.get("footer", {}).get("text", "")) + sum(len(f["name"]) + len(f["value"])
                                                       for f in fields)
        checks = [(len(e.get("title", "")) <= 256, "title > 256"),
                  (len(e.get("description", "")) <= 4096, "description > 4096"),
                  (len(fields) <= 25, "> 25 fields"),
                  (all(1 <= len(f["name"]) <= 256 for f in fields), "field name length"),
                  (all(1 <= len(f["value"]) <= 1024 for f in fields), "field value length"),
                  (len(e.get("footer", {}).get("text", "")) <= 2048, "footer > 2048"),
                  (total <= 6000, f"embed text {total} > 6000"),
                  (0 <= int(e.get("color", 0)) <= 0xFFFFFF, "color out of range")]
        out += [msg for ok, msg in checks if not ok]
    return out


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text += data


def _telegram_problems(body: dict[str, Any]) -> tuple[list[str], str]:
    out = [] if body.get("chat_id") else ["chat_id missing"]
    text = body.get("text") or ""
    if body.get("parse_mode") != "HTML":
        return [*out, f"parse_mode {body.get('parse_mode')!r} not checked here"], text
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    out += parser.problems + ([f"unclosed <{parser.stack[-1]}>"] if parser.stack else [])
    if "<" in parser.text.replace("&lt;", "") and "<" not in html.unescape(text):
        out.append("raw < in text")
    if not 1 <= len(parser.text) <= 4096:
        out.append(f"text length {len(parser.text)} not in 1..4096")
    return out, parser.text


def _pagerduty_problems(body: dict[str, Any]) -> list[str]:
    out = []
    if len(body.get("routing_key", "")) != 32:
        out.append("routing_key must be 32 characters")
    action = body.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        out.append(f"event_action {action!r}")
    if len(body.get("dedup_key", "")) > 255:
        out.append("dedup_key > 255")
    if action in ("acknowledge", "resolve") and not body.get("dedup_key"):
        out.append("dedup_key required")
    if action == "trigger":
        p = body.get("payload") or {}
        if not p.get("summary") or len(p["summary"]) > 1024:
            out.append("payload.summary missing or > 1024")
        if not p.get("source"):
            out.append("payload.source missing")
        if p.get("severity") not in ("critical", "error", "warning", "info"):
            out.append(f"payload.severity {p.get('severity')!r}")
    return out


def _opsgenie_problems(body: dict[str, Any]) -> list[str]:
    details = body.get("details") or {}
    tags = body.get("tags") or []
    checks = [(1 <= len(body.get("message", "")) <= 130, "message length"),
              (len(body.get("alias", "")) <= 512, "alias > 512"),
              (len(body.get("description", "")) <= 15000, "description > 15000"),
              (body.get("priority", "P3") in ("P1", "P2", "P3", "P4", "P5"), "priority"),
              (len(tags) <= 20 and all(len(t) <= 50 for t in tags), "tags"),
              (sum(len(k) + len(str(v)) for k, v in details.items()) <= 8000, "details"),
              (len(body.get("entity", "")) <= 512, "entity > 512"),
              (len(body.get("source", "")) <= 100, "source > 100")]
    return [msg for ok, msg in checks if not ok]


@dataclass
class ProviderReceiver:
    """One aiohttp server with every provider's endpoint; records accepted requests."""

    port: int
    discord: list[dict[str, Any]] = field(default_factory=list)
    telegram: list[str] = field(default_factory=list)  # visible text of accepted messages
    pagerduty: list[dict[str, Any]] = field(default_factory=list)
    opsgenie_open: dict[str, dict[str, Any]] = field(default_factory=dict)
    opsgenie_closed: list[str] = field(default_factory=list)
    refused: list[tuple[str, list[str]]] = field(default_factory=list)
    discord_rate_limit_once: bool = False
    standard_secret: str = ""
    standard: dict[str, dict[str, Any]] = field(default_factory=dict)  # webhook-id -> body
    _runner: web.AppRunner | None = None

    def _refuse(self, provider: str, problems: list[str]) -> web.Response:
        self.refused.append((provider, problems))
        return web.json_response({"errors": problems}, status=400)

    async def _discord(self, request: web.Request) -> web.Response:
        if self.discord_rate_limit_once:
            self.discord_rate_limit_once = False
            return web.json_response({"message": "You are being rate limited.",
                                      "retry_after": 0.05, "global": False}, status=429)
        body = await request.json()
        problems = _discord_problems(body)
        if problems:
            return self._refuse("discord", problems)
        self.discord.append(body)
        if request.query.get("wait") == "true":
            return web.json_response({"id": str(len(self.discord)), **body})
        return web.Response(status=204)

    async def _telegram(self, request: web.Request) -> web.Response:
        body = await request.json()
        problems, text = _telegram_problems(body)
        if problems:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "; ".join(problems)}, status=400)
        self.telegram.append(text)
        return web.json_response({"ok": True, "result": {"message_id": len(self.telegram),
                                                         "text": text}})

    async def _pagerduty(self, request: web.Request) -> web.Response:
        body = await request.json()
        problems = _pagerduty_problems(body)
        if problems:
            return web.json_response({"status": "invalid event", "message": "Event object "
                                      "is invalid", "errors": problems}, status=400)
        self.pagerduty.append(body)
        return web.json_response({"status": "success", "message": "Event processed",
                                  "dedup_key": body.get("dedup_key")}, status=202)

    async def _opsgenie_create(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("GenieKey "):
            return web.json_response({"message": "Could not authenticate"}, status=401)
        body = await request.json()
        problems = _opsgenie_problems(body)
        if problems:
            return self._refuse("opsgenie", problems)
        alias = body.get("alias") or body["message"]
        existing = self.opsgenie_open.get(alias)
        body["count"] = existing["count"] + 1 if existing else 1
        self.opsgenie_open[alias] = body
        return web.json_response({"result": "Request will be processed", "took": 0.01,
                                  "requestId": f"req-{len(self.opsgenie_open)}"}, status=202)

    async def _opsgenie_close(self, request: web.Request) -> web.Response:
        if request.query.get("identifierType") != "alias":
            return self._refuse("opsgenie", ["identifierType must be alias here"])
        alias = request.match_info["alias"]
        if self.opsgenie_open.pop(alias, None) is not None:
            self.opsgenie_closed.append(alias)
        return web.json_response({"result": "Request will be processed", "took": 0.01,
                                  "requestId": "close"}, status=202)

    async def _standard_webhook(self, request: web.Request) -> web.Response:
        """Verified by the ``standardwebhooks`` reference library, duplicates dropped."""
        body = await request.read()
        try:
            payload = Webhook(self.standard_secret).verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            return self._refuse("standard-webhooks", [str(exc)])
        self.standard.setdefault(request.headers["webhook-id"], payload)
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/standard-webhook", self._standard_webhook)
        app.router.add_post("/discord/webhook", self._discord)
        app.router.add_post(r"/bot{token:\d+:[A-Za-z0-9_-]{35}}/sendMessage", self._telegram)
        app.router.add_post("/v2/enqueue", self._pagerduty)
        app.router.add_post("/v2/alerts", self._opsgenie_create)
        app.router.add_post("/v2/alerts/{alias}/close", self._opsgenie_close)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (openssl), used as its own CA by the client."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True,
                   timeout=60)
    return cert, key


class _MailHandler:
    def __init__(self, box: list[EmailMessage], refused: list[list[str]]) -> None:
        self.box, self.refused = box, refused

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        problems = [f"{h}: need exactly one" for h in ("From", "Date")
                    if len(message.get_all(h, [])) != 1]
        problems += [f"{h} missing" for h in ("Message-ID", "To", "Subject") if h not in message]
        problems += ["line > 998 octets"] if any(len(line) > 998 for line in raw.splitlines()) \
            else []
        if not session.ssl:
            problems.append("not over TLS")
        if problems:
            self.refused.append(problems)
            return "550 " + "; ".join(problems)
        self.box.append(message)  # type: ignore[arg-type]
        return "250 OK"


class SmtpRelay:
    """aiosmtpd on 127.0.0.1 that requires STARTTLS and checks RFC 5322 headers."""

    def __init__(self, port: int, cert: Path, key: Path) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.messages: list[EmailMessage] = []
        self.refused: list[list[str]] = []
        self.controller = Controller(_MailHandler(self.messages, self.refused),
                                     hostname="127.0.0.1", port=port, tls_context=context,
                                     require_starttls=True)

    def __enter__(self) -> SmtpRelay:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
