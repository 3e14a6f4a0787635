"""``user_rules``: the team's own deterministic rules, as a detector like any other.

Why a detector: a rule's hit becomes a ``Finding`` (reason code ``USER_RULE``, the rule's
name in ``details``), so it goes through the same fusion, policy, cooldown, audit chain and
outbox as learned detections, and runs unchanged under ``run``, ``replay`` and ``eval``
(``backfill`` has no detection stage yet). Each rule on each contract is its own incident
(``details.correlation_key``), so a ``Paused`` is not swallowed by the cooldown of an
earlier ``OwnershipTransferred`` on the same contract.

``first_seen(x)`` remembers values per rule; the memory is exported as baselines, so a
restart does not make every caller "new" again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.abi_registry import AbiRegistry, to_jsonable
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.rules.block_index import BlockIndex
from hafeniq_chain.detect.rules.matcher import CompiledRule, Match, RuleProblems, compile_rule
from hafeniq_chain.detect.rules.model import SEVERITY_SCORES, RuleSpec
from hafeniq_chain.detect.rules.templates import render
from hafeniq_chain.detect.settings import DetectionSettings
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
MAX_SEEN_PER_RULE = 200_000


def compile_rules(settings: DetectionSettings, registry: AbiRegistry | None = None
                  ) -> tuple[list[CompiledRule], list[RuleProblems]]:
    """Every enabled rule compiled against the ABIs and watch list; and every failure."""
    watch_abis = [w.abi for w in settings.watch if w.abi]
    registry = registry or AbiRegistry.load(watch_abis)
    watch = {w.name: w.address.lower() for w in settings.watch if w.name}
    compiled, failed = [], []
    for spec in settings.rules:
        if not spec.enabled:
            continue
        try:
            compiled.append(compile_rule(spec, registry, watch, settings.rules_config.lists))
        except RuleProblems as exc:
            failed.append(exc)
    return compiled, failed


class UserRulesDetector(Detector):
    """Evaluates every configured rule on every block."""

    name = "user_rules"
    version = "1"
    triggers = Triggers(blocks=True)

    def __init__(self, rules: Sequence[CompiledRule] = ()) -> None:
        self.rules = list(rules)
        self.selectors = frozenset(s for r in self.rules for s in r.selectors)
        self.seen: dict[str, set[str]] = {r.spec.name: set() for r in self.rules}
        self.errors = 0

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """Compiled rules; a rule that does not compile stops start-up with its problems."""
        if not any(r.enabled for r in settings.rules):
            return cls()  # NOTE: no ABI loading when there is nothing to compile
        compiled, failed = compile_rules(settings)
        if failed:
            raise ValueError("\n".join(str(f) for f in failed))
        return cls(compiled)

    def _first_seen(self, rule: str) -> Any:
        seen = self.seen.setdefault(rule, set())

        def first_seen(*values: Any) -> bool:
            key = "|".join(str(v).lower() for v in values)
            if key in seen:
                return False
            if len(seen) < MAX_SEEN_PER_RULE:
                seen.add(key)
            return True
        return first_seen

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        findings: list[Finding] = []
        if not self.rules:
            return findings
        index = BlockIndex(block, self.selectors)  # NOTE: grouped, decoded once for all rules
        for rule in self.rules:
            first_seen = self._first_seen(rule.spec.name)
            for match in rule.matches(index):
                try:
                    hit = rule.condition is None or rule.condition.evaluate(match.env,
                                                                            first_seen)
                except Exception as exc:  # a value of an unexpected type: counted, skipped
                    self.errors += 1
                    log.warning("rules.condition_error", rule=rule.spec.name,
                                tx=match.tx_hash, error=repr(exc)[:200])
                    continue
                if hit:
                    findings.append(self._finding(rule, match, block))
        return findings

    def _finding(self, rule: CompiledRule, match: Match, block: BlockBundle) -> Finding:
        spec: RuleSpec = rule.spec
        score = SEVERITY_SCORES[spec.severity]
        title = render(spec.title, match.env)[:200]
        message = render(spec.message, match.env) if spec.message else title
        args = match.env.get("args") or {}
        caller = match.env.get("caller")
        entities = tuple(dict.fromkeys(e for e in (match.address, caller) if e))
        return Finding(
            detector=self.name, detector_version=self.version, kind=f"rule:{spec.name}",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.05), min(0.99,
                                                                             score + 0.05)),
            severity=Severity(spec.severity), reason_codes=(ReasonCode.USER_RULE,),
            summary=title, dedup_key=f"{spec.name}:{match.tx_hash}:{match.position}",
            chain_id=block.chain_id, entities=entities, tx_hashes=(match.tx_hash,),
            block_from=block.number, block_to=block.number,
            deltas=(FeatureDelta("rule_match", None, 1.0, message[:500]),),
            details={"rule": spec.name, "match": spec.kind, "message": message,
                     "correlation_key": f"rule:{spec.name}:{match.address}",
                     "channels": list(spec.channels), "contract": match.address,
                     "args": {k: to_jsonable(v) for k, v in dict(args).items()}})

    def export_baselines(self) -> list[tuple[str, dict[str, Any], int]]:
        return [(rule, {"seen": sorted(values)}, len(values))
                for rule, values in self.seen.items() if values]

    def import_baselines(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        for rule, state in rows:
            self.seen.setdefault(rule, set()).update(state.get("seen", []))
