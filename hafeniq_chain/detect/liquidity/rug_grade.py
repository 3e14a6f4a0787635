"""How bad a liquidity removal is: one graded score, no age cliff.

Why apart: the grade is the rule worth tuning and testing on plain numbers (share
removed, age, who removes, who traded); the detector only follows pools and asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from hafeniq_chain.detect.base import DetectorSettings


class RugSettings(DetectorSettings):
    """How a liquidity removal is graded (no age cliff: youth decays smoothly).

    score = youth x (w_stranded x stranded + w_creator x creator + w_victims x victims):
    ``youth`` = 1 / (1 + (age / age_scale_s)^2); ``stranded`` grows from ``min_removed``
    to ``stranded_at`` of the reserves removed (buyers can no longer exit); ``creator`` is
    1 when the remover is the pool's first LP or got its LP tokens from it; ``victims``
    counts traders other than the creator, full at ``victims_full``.
    """

    min_removed: float = Field(default=0.5, ge=0, le=1)
    stranded_at: float = Field(default=0.95, gt=0, le=1)
    age_scale_s: int = Field(default=48 * 3600, ge=60)
    fast_life_s: int = Field(default=3600, ge=1)  # a life shorter than this: cadence anomaly
    w_stranded: float = Field(default=0.45, ge=0)
    w_creator: float = Field(default=0.35, ge=0)
    w_victims: float = Field(default=0.20, ge=0)
    victims_full: int = Field(default=3, ge=1)
    min_score: float = Field(default=0.5, ge=0, le=1)    # below: no finding
    high_score: float = Field(default=0.65, ge=0, le=1)
    critical_score: float = Field(default=0.8, ge=0, le=1)


@dataclass(frozen=True)
class RugGrade:
    score: float
    youth: float
    stranded: float
    creator: float
    victims: float


def grade(cfg: RugSettings, removed: float, age_s: int, by_creator: bool, traders: int
          ) -> RugGrade:
    """The graded rug score of removing ``removed`` of a pool ``age_s`` old."""
    youth = 1.0 / (1.0 + (age_s / cfg.age_scale_s) ** 2)
    span = max(1e-9, cfg.stranded_at - cfg.min_removed)
    stranded = min(1.0, max(0.0, (removed - cfg.min_removed) / span))
    creator = 1.0 if by_creator else 0.0
    victims = min(1.0, traders / cfg.victims_full)
    total = cfg.w_stranded + cfg.w_creator + cfg.w_victims
    core = (cfg.w_stranded * stranded + cfg.w_creator * creator + cfg.w_victims * victims) \
        / max(1e-9, total)
    return RugGrade(youth * core, youth, stranded, creator, victims)
