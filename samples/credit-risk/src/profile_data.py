"""Data profiling: summary statistics of the prepared data, as profile.json and histograms.png.

  python profile_data.py --data prepared/ --out profile/
"""
import argparse
import json
import os

import pandas as pd

from common import DERIVED, LABEL, NUMERIC, ONE_HOT, read_prepared, write_metrics


def histograms(df, path):
    try:
        import matplotlib
        matplotlib.use("Agg")                      # no display on a compute node
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no histograms")
        return
    columns = NUMERIC + DERIVED
    fig, axes = plt.subplots(2, (len(columns) + 1) // 2, figsize=(16, 7))
    for ax, column in zip(axes.flat, columns):
        for label, name in ((0, "repaid"), (1, "defaulted")):
            ax.hist(df.loc[df[LABEL] == label, column], bins=30, alpha=0.6, density=True, label=name)
        ax.set_title(column)
    for ax in axes.flat[len(columns):]:
        ax.axis("off")
    axes.flat[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description="Profile the prepared credit data.")
    parser.add_argument("--data", required=True, help="prepared folder (train.csv, test.csv) or a CSV")
    parser.add_argument("--out", required=True, help="folder to write profile.json and histograms.png to")
    args = parser.parse_args()

    train, test = read_prepared(args.data)
    df = pd.concat([train, test], ignore_index=True)
    numeric = NUMERIC + DERIVED
    stats = df[numeric].describe().T
    profile = {
        "rows": {"train": len(train), "test": len(test)},
        "default_rate": {"train": float(train[LABEL].mean()), "test": float(test[LABEL].mean())},
        "numeric": {column: {**{k: float(v) for k, v in stats.loc[column].items()},
                             "nulls": int(df[column].isna().sum())} for column in numeric},
        "categories": {column: float(df[column].mean()) for column in ONE_HOT},
        "correlation_with_default": df[numeric + ONE_HOT].corrwith(df[LABEL]).round(4).to_dict(),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "profile.json"), "w") as f:
        json.dump(profile, f, indent=2)
    print(stats[["mean", "std", "min", "max"]].to_string())
    histograms(df, os.path.join(args.out, "histograms.png"))
    write_metrics({"rows": len(df), "default_rate": df[LABEL].mean()})


if __name__ == "__main__":
    main()
