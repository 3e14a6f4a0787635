"""E-mail over SMTP with STARTTLS: one RFC 5322 message per alert.

``smtplib`` runs in a worker thread (it is blocking); the Message-ID is derived from the
outbox idempotency key, so a message re-sent after an ambiguous failure is recognisably
the same one.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.text import alert_text, clip


def email_message(payload: dict[str, Any], sender: str, to: list[str],
                  idempotency_key: str) -> EmailMessage:
    """The message: From, To, Subject, Date, Message-ID and a plain-text body."""
    text = alert_text(payload)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = clip(text.headline.replace("\n", " "), 200)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    message["Message-ID"] = f"<{idempotency_key}@{domain}>"
    message["X-Hafeniq-Incident"] = str(text.incident_id)
    message.set_content(text.body())
    return message


class EmailChannel:
    """Sends through one SMTP relay; STARTTLS unless switched off for a local relay."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, to: list[str], *,
                 starttls: bool = True, ca_file: Path | None = None,
                 username: str | None = None, password: str | None = None,
                 timeout_s: float = 20.0) -> None:
        self.host, self.port, self.sender, self.to = host, port, sender, to
        self.starttls, self.ca_file = starttls, ca_file
        self.username, self.password, self.timeout_s = username, password, timeout_s

    def _send_blocking(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                context = ssl.create_default_context(
                    cafile=str(self.ca_file) if self.ca_file else None)
                smtp.starttls(context=context)
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        message = email_message(payload, self.sender, self.to, idempotency_key)
        try:
            await asyncio.to_thread(self._send_blocking, message)
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            return SendResult(False, f"smtp: {exc!r}"[:300])
        return SendResult(True)
