"""Runs every benchmark; each prints its figures as one JSON line, the summary comes last."""

from __future__ import annotations

import json
import sys

from bench import ledger, memory, module_page, page_weight


def main() -> int:
    results = []
    for module in (page_weight, memory, module_page, ledger):
        result = module.run()
        print(json.dumps(result), flush=True)
        results.append(result)
    summary = {
        "benchmark": "all",
        "ok": all(r["ok"] for r in results),
        "failed": [r["benchmark"] for r in results if not r["ok"]],
    }
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
