"""Address-label feeds (Forta labelled datasets, plain CSV/JSON) into ``address_labels``.

Why normalised categories: feeds spell the same thing many ways (``phish-hack``,
``etherscan-phish-hack-list``, ``Fake_Phishing123``, ``heist``); enrichment and fund tracing
ask one question, "is this an exploit or phishing address?", so each label is stored as a
category (``exploit``, ``phishing``, or the feed's own word, lower-case) with its origin in
``source``. Re-importing a feed is idempotent.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hafeniq_chain.store.database import Connection

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
DANGEROUS = frozenset({"exploit", "phishing"})


@dataclass(frozen=True)
class LabelRow:
    chain_id: int
    address: str
    label: str
    source: str


def category(raw: str) -> str:
    """``phish-hack`` / ``etherscan-phish-hack-list`` -> phishing; exploit/heist -> exploit."""
    text = raw.strip().lower()
    if "phish" in text:
        return "phishing"
    if "exploit" in text or "heist" in text or "hack" in text:
        return "exploit"
    return re.sub(r"[^a-z0-9_.:-]+", "_", text)[:64] or "labelled"


def _rows(chain_id: int, address: str, labels: Iterable[str], source: str) -> list[LabelRow]:
    if not _ADDRESS.match(address or ""):
        return []
    return [LabelRow(chain_id, address.lower(), category(x), source)
            for x in dict.fromkeys(labels) if x and x.strip()]


def _from_json(data: Any, chain_id: int, source: str) -> list[LabelRow]:
    if isinstance(data, dict) and isinstance(data.get("addresses"), dict):  # Forta labels.json
        chain_id = int(data.get("chain_id", chain_id))
        source = str(data.get("source", source))
        data = data["addresses"]
    out: list[LabelRow] = []
    if isinstance(data, dict):
        for address, labels in data.items():
            values = [labels] if isinstance(labels, str) else list(labels)
            out += _rows(chain_id, address, [str(v).split(":")[-1] for v in values], source)
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                out += _rows(int(item.get("chain_id", chain_id)), str(item.get("address", "")),
                             [str(item.get("label", ""))], source)
    return out


def _from_csv(path: Path, chain_id: int, source: str) -> list[LabelRow]:
    out: list[LabelRow] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            address = (row.get("address") or row.get("contract_address")
                       or row.get("banned_address") or "")
            labels = [row.get(k) or "" for k in ("label", "etherscan_labels",
                                                 "contract_creator_etherscan_label",
                                                 "data_source", "contract_tag")]
            chain = int(row["chain_id"]) if row.get("chain_id") else chain_id
            found = [x for x in labels if x]
            out += _rows(chain, address, found[:1] or ["labelled"], source)
    return out


def parse_label_feed(path: Path, chain_id: int = 1, source: str | None = None
                     ) -> list[LabelRow]:
    """Every label in one feed file (``.json`` or ``.csv``); a Forta ``labels/<chain>/``
    directory layout gives the chain id."""
    if path.parent.name.isdigit():
        chain_id = int(path.parent.name)
    origin = source or path.name
    if path.suffix == ".json":
        return _from_json(json.loads(path.read_text()), chain_id, origin)
    if path.suffix == ".csv":
        return _from_csv(path, chain_id, origin)
    raise ValueError(f"{path}: label feeds are .json or .csv")


async def import_labels(conn: Connection, rows: Sequence[LabelRow]) -> int:
    """Upsert ``rows``; how many were new."""
    # NOTE: COPY into a temporary table, then one INSERT ... ON CONFLICT: a feed of 15k rows
    # in one round trip instead of 15k.
    await conn.execute("CREATE TEMPORARY TABLE IF NOT EXISTS label_import "
                       "(LIKE address_labels) ON COMMIT DROP")
    await conn.execute("TRUNCATE label_import")
    await conn.copy_records_to_table("label_import", records=[
        (r.chain_id, r.address, r.label, r.source) for r in rows],
        columns=["chain_id", "address", "label", "source"])
    status = await conn.execute(
        "INSERT INTO address_labels (chain_id, address, label, source) SELECT DISTINCT ON "
        "(chain_id, address, label) chain_id, address, label, source FROM label_import "
        "ON CONFLICT (chain_id, address, label) DO NOTHING")
    # NOTE: entities already in the graph carry their labels too (enrichment shows them, and
    # a reorg never deletes a labelled entity); entities indexed later are matched through
    # address_labels.
    await conn.execute(
        "UPDATE entities e SET labels = ARRAY(SELECT DISTINCT x FROM unnest(e.labels || "
        "l.labels) x ORDER BY x), updated_at = now() FROM (SELECT chain_id, address, "
        "array_agg(DISTINCT label) AS labels FROM label_import GROUP BY 1, 2) l "
        "WHERE e.chain_id = l.chain_id AND e.address = l.address "
        "AND NOT e.labels @> l.labels")
    return int(status.split()[-1])


async def fetch_labels(conn: Connection, chain_id: int, addresses: Sequence[str]
                       ) -> dict[str, list[str]]:
    """Address -> its label categories, for the labelled ones among ``addresses``."""
    rows = await conn.fetch("SELECT address, label FROM address_labels WHERE chain_id = $1 "
                            "AND address = ANY($2::text[]) ORDER BY label", chain_id,
                            [a.lower() for a in addresses])
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["address"], []).append(r["label"])
    return out
