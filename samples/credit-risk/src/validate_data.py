"""Data validation: checks the prepared data against the rules below, writes validation.json,
and exits with status 1 when any rule is broken, so the pipeline stops before training.

  python validate_data.py --data prepared/ --report report/
"""
import argparse
import json
import os
import sys

import pandas as pd

from common import FEATURES, LABEL, ONE_HOT, RANGES, read_prepared, write_metrics


def check(df, min_rows, max_null_fraction, default_rate):
    """Yields (rule, passed, detail) for each rule."""
    missing = [c for c in FEATURES + [LABEL] if c not in df.columns]
    yield "required columns", not missing, f"missing: {missing}" if missing else "all present"
    if missing:
        return
    yield "row count", len(df) >= min_rows, f"{len(df)} rows (minimum {min_rows})"
    nulls = df[FEATURES + [LABEL]].isna().mean()
    worst = nulls.idxmax()
    yield ("null fraction", nulls.max() <= max_null_fraction,
           f"highest {nulls.max():.4f} in {worst} (maximum {max_null_fraction})")
    for column, (low, high) in RANGES.items():
        outside = int(((df[column] < low) | (df[column] > high)).sum())
        yield f"range of {column}", outside == 0, f"{outside} value(s) outside [{low}, {high}]"
    bad = int((~df[ONE_HOT].isin([0, 1])).sum().sum())
    yield "one-hot columns are 0/1", bad == 0, f"{bad} other value(s)"
    labels = set(df[LABEL].dropna().unique())
    yield "label is 0/1", labels <= {0, 1}, f"values {sorted(labels)}"
    rate, (low, high) = df[LABEL].mean(), default_rate
    yield "default rate", low <= rate <= high, f"{rate:.3f} (expected {low} to {high})"


def main():
    parser = argparse.ArgumentParser(description="Validate the prepared credit data.")
    parser.add_argument("--data", required=True, help="prepared folder (train.csv, test.csv) or a CSV")
    parser.add_argument("--report", required=True, help="folder to write validation.json to")
    parser.add_argument("--min-rows", type=int, default=500)
    parser.add_argument("--max-null-fraction", type=float, default=0.01)
    parser.add_argument("--default-rate", type=float, nargs=2, default=(0.02, 0.6), metavar=("MIN", "MAX"))
    args = parser.parse_args()

    train, test = read_prepared(args.data)
    df = pd.concat([train, test], ignore_index=True)
    results = [{"rule": rule, "passed": bool(passed), "detail": detail}
               for rule, passed, detail in check(df, args.min_rows, args.max_null_fraction, args.default_rate)]
    if len(test) == 0:
        results.append({"rule": "test split", "passed": False, "detail": "no test rows"})
    failed = [r for r in results if not r["passed"]]
    for r in results:
        print(f"{'PASS' if r['passed'] else 'FAIL'}  {r['rule']}: {r['detail']}")

    os.makedirs(args.report, exist_ok=True)
    with open(os.path.join(args.report, "validation.json"), "w") as f:
        json.dump({"passed": not failed, "rows": len(df), "rules": results}, f, indent=2)
    write_metrics({"rules_failed": len(failed)})
    if failed:
        print(f"validation failed: {len(failed)} of {len(results)} rule(s) broken", file=sys.stderr)
        sys.exit(1)
    print(f"validation passed: {len(results)} rules")


if __name__ == "__main__":
    main()
