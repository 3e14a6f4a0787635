"""The provider channels a config enables: Discord, Telegram, PagerDuty, Opsgenie, e-mail.

A channel is on when its secret (and, for Telegram and e-mail, its destination) is set;
every secret comes from the settings object (``HAFENIQ_ALERTS__<CHANNEL>__<KEY>``).
"""

from __future__ import annotations

from hafeniq_chain.alert.channels import Channel
from hafeniq_chain.alert.discord import DiscordChannel
from hafeniq_chain.alert.mail import EmailChannel
from hafeniq_chain.alert.opsgenie import OpsgenieChannel
from hafeniq_chain.alert.pagerduty import PagerDutyChannel
from hafeniq_chain.alert.telegram import TelegramChannel
from hafeniq_chain.core.settings import AlertSettings


def provider_channels(alerts: AlertSettings) -> dict[str, Channel]:
    """Name -> channel for every configured provider."""
    out: dict[str, Channel] = {}
    if alerts.discord.webhook_url is not None:
        out["discord"] = DiscordChannel(alerts.discord.webhook_url.get_secret_value())
    tg = alerts.telegram
    if tg.bot_token is not None and tg.chat_id:
        out["telegram"] = TelegramChannel(tg.bot_token.get_secret_value(), tg.chat_id,
                                          tg.api_url)
    if alerts.pagerduty.routing_key is not None:
        out["pagerduty"] = PagerDutyChannel(alerts.pagerduty.routing_key.get_secret_value(),
                                            alerts.pagerduty.events_url)
    if alerts.opsgenie.api_key is not None:
        out["opsgenie"] = OpsgenieChannel(alerts.opsgenie.api_key.get_secret_value(),
                                          alerts.opsgenie.api_url)
    mail = alerts.email
    if mail.host and mail.to:
        out["email"] = EmailChannel(
            mail.host, mail.port, mail.sender, mail.to, starttls=mail.starttls,
            ca_file=mail.ca_file, username=mail.username,
            password=mail.password.get_secret_value() if mail.password else None,
            timeout_s=mail.timeout_s)
    return out
