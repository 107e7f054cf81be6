"""Runs every benchmark; each prints its figures as one JSON line, the summary comes last.

quiz_load runs in its short form here (200 participants, think 3-9 s, a 90 s quiz; its table goes
to stderr); the full form is `python -m bench.quiz_load --steps 250,500,1000,2000,5000`.
dashboard makes the national-scale data on PostgreSQL and SQLite the first time (minutes each)
and reuses it afterwards (`python -m bench.dashboard --fresh` makes it again).
"""

from __future__ import annotations

import json
import sys

from bench import (
    certificates,
    dashboard,
    documents,
    ledger,
    memory,
    module_page,
    page_weight,
    participant_import,
    quiz_load,
    roll_call,
)


def main() -> int:
    results = []
    for module in (
        page_weight,
        memory,
        module_page,
        ledger,
        participant_import,
        roll_call,
        documents,
        certificates,
        dashboard,
        quiz_load,
    ):
        result = module.run()
        print(json.dumps(result), flush=True)
        results.append(result)
    summary = {
        "benchmark": "all",
        "ok": all(r["ok"] for r in results),
        "failed": [r["benchmark"] for r in results if not r["ok"]],
        "skipped": [r["benchmark"] for r in results if r.get("skipped")],
    }
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
