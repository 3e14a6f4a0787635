"""Which channels get which alert: per-channel minimum severity and rule/detector filters
(``[alerts.routes.<channel>]``), and a rule's own ``channels`` list.

Why at enqueue time: the outbox row is the record of where an alert was meant to go, so
``alerts`` shows it, a retraction follows exactly the channels that got the alert, and a
channel never sees an alert it was not meant to get even if the routes change later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from hafeniq_chain.alert.text import alert_text
from hafeniq_chain.core.settings import ChannelRoute

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class ChannelRouter(list[str]):
    """The configured channel names (a list, so it goes wherever a channel list goes) that
    also says which of them one alert payload goes to: ``router(payload)``.

    ``alert.enqueue.store_alert`` routes when it is handed a router, so on-chain incidents
    and off-chain ones (the withdrawal engine) honour the same routes.
    """

    def __init__(self, channels: Sequence[str], routes: Mapping[str, ChannelRoute] | None = None,
                 rule_channels: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(channels)
        self.channels = list(channels)
        self.routes = dict(routes or {})
        self.rule_channels = {k: list(v) for k, v in (rule_channels or {}).items() if v}

    def accepts(self, channel: str, payload: dict[str, Any]) -> bool:
        """Whether ``channel`` should get ``payload``."""
        text = alert_text(payload)
        route = self.routes.get(channel, ChannelRoute())
        if SEVERITY_RANK.get(text.severity, 0) < SEVERITY_RANK[route.min_severity]:
            return False
        detectors = {r.get("detector", "") for r in payload["incident"].get("explanation", [])}
        if route.detectors and not any(fnmatchcase(d, p) for d in detectors
                                       for p in route.detectors):
            return False
        if text.rules:
            if route.rules and not any(fnmatchcase(r, p) for r in text.rules
                                       for p in route.rules):
                return False
            wanted = [self.rule_channels[r] for r in text.rules if r in self.rule_channels]
            if wanted and not any(channel in w for w in wanted):
                return False
        elif route.rules:
            return False  # a channel reserved for some rules gets only those rules' alerts
        return True

    def __call__(self, payload: dict[str, Any]) -> list[str]:
        return [c for c in self.channels if self.accepts(c, payload)]
