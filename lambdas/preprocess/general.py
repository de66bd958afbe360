"""The bundled general-ability questions (the forgetting check), appended to eval.json as
`set: "general"` so the existing answer steps answer them with the domain questions; the judge
grades them like the rest and the report compares the two sets separately."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

GENERAL_FILE = Path(__file__).with_name("general_questions.json")
DOMAIN, GENERAL = "domain", "general"


@cache
def general_questions() -> tuple[tuple[str, str], ...]:
    """(question, reference) pairs; the file ships in the Lambda asset beside this module."""
    document = json.loads(GENERAL_FILE.read_text(encoding="utf-8"))
    pairs = tuple((str(item["question"]), str(item["reference"])) for item in document["questions"])
    if not pairs or any(not q.strip() or not r.strip() for q, r in pairs):
        raise ValueError(f"{GENERAL_FILE.name}: every general question needs a question and a reference")
    return pairs


def with_general(domain: list[dict[str, Any]], enabled: bool) -> list[dict[str, Any]]:
    """Domain items marked `set: "domain"`, then (when enabled) the general ones, indexed on."""
    items = [{**item, "set": DOMAIN} for item in domain]
    if enabled:
        start = len(items)
        items += [
            {"index": start + offset, "question": q, "reference": r, "source": f"general#{offset + 1}", "set": GENERAL}
            for offset, (q, r) in enumerate(general_questions())
        ]
    return items
