"""Sending one plain-text mail through the configured SMTP server (stdlib smtplib)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage

from tradewind.settings import Settings

log = logging.getLogger("tradewind.mail")


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _send(settings: Settings, message: EmailMessage) -> None:
    timeout = settings.smtp_timeout_seconds
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)


async def send_mail(settings: Settings, to: str, subject: str, body: str) -> str | None:
    """Send a mail; None when sent, else why not (the caller shows the link instead)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        await asyncio.to_thread(_send, settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        # The recipient is logged, never the body: it holds the single-use link.
        log.warning("mail to %s not sent: %s", to, type(exc).__name__)
        return f"the mail server refused or could not be reached ({type(exc).__name__})"
    return None
