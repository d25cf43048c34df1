"""`python -m tests.status_suite [FAMILY ...] [--failures] [--json FILE]`: run the suite and print
the table (held / total per family, wrong `confirmed`, wrong doubt, claims not cited) and the time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("FACTDESK_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    import index.offline  # noqa: F401 - nothing downloads at run time
    from tests.status_suite.cases import load_families
    from tests.status_suite.judge import table
    from tests.status_suite.runner import run_family

    parser = argparse.ArgumentParser(prog="python -m tests.status_suite", description=__doc__)
    parser.add_argument("families", nargs="*", help="only these families (default: all)")
    parser.add_argument("--failures", action="store_true", help="print every failing case")
    parser.add_argument("--json", type=Path, help="write every case's verdicts and answer here")
    args = parser.parse_args(argv)
    families = [family for family in load_families() if not args.families or family.family in args.families]
    unknown = set(args.families) - {family.family for family in families}
    if unknown:
        parser.error(f"no such family: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="status-suite-") as folder:
        for family in families:
            began = time.perf_counter()
            found = list(run_family(family, Path(folder)))
            results += found
            held = sum(result.held for result in found)
            print(f"{family.family}: {held}/{len(found)} held ({time.perf_counter() - began:.0f} s)", file=sys.stderr)
    seconds = time.perf_counter() - started
    if args.failures:
        for result in results:
            if not result.held:
                print(result.report() + "\n")
    print(table(results))
    print(f"{len(results)} cases in {seconds:.0f} s")
    if args.json:
        saved = [
            {
                "family": result.family,
                "case": result.case.id,
                "held": result.held,
                "verdicts": [
                    {"what": v.what, "held": v.held, "expected": v.expected, "actual": v.actual}
                    for v in result.verdicts
                ],
                "answer": result.answer,
            }
            for result in results
        ]
        args.json.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if all(result.held for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
