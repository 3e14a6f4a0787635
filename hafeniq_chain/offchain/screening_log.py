"""The screening log: the engine's reasoning as short lines an analyst can scan."""

from __future__ import annotations

from hafeniq_chain.core.actions import Action
from hafeniq_chain.offchain.baseline import AccountBaseline
from hafeniq_chain.offchain.platform import PlatformView
from hafeniq_chain.offchain.types import ScoredWithdrawal


def screening_lines(req: ScoredWithdrawal, base: AccountBaseline, view: PlatformView,
                    transition: str | None, score: int, action: Action) -> list[str]:
    """Lines in the seed's shape: profile fetch, platform deltas, convergence, freeze."""
    lines = [
        f"RISK_ENGINE profile_fetch user:{req.account_id}",
        f"history_days:{base.history_days:.0f} daily_freq:{base.daily_freq:.2f}"
        f" new_addr_rate:{base.new_addr_rate:.1%} script_prob:{base.script_prob:.2f}",
    ]
    if view.state.value != "NORMAL":
        lines.append(f"PLATFORM concurrent_users:{view.concurrent_accounts}"
                     f" delta:{view.concurrency_delta:+.0%}")
        lines.append(f"PLATFORM new_addr_rate:{view.new_addr_rate:.0%}"
                     f" baseline:{view.new_addr_baseline:.1%}")
    for c in view.convergences:
        lines.append(f"PLATFORM addr_convergence_confirmed {c.destination}"
                     f" sources:[{', '.join(c.accounts)}] interval:{c.interval_s:.1f}s")
    if transition:
        lines.append(f"PLATFORM status:{transition}")
    if view.freeze_accounts:
        lines.append(f"RISK_ENGINE freeze_accounts count:{len(view.freeze_accounts)}")
    lines.append(f"score:{score}/1000 action:{action.verdict}")
    return lines
