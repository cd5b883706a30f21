"""Data preparation: raw loan applications -> clean, encoded train.csv and test.csv.

Runs on pandas; reads the partitions with Dask when it is installed. The Spark version of the
same transformation, for the entire data set, is prep_spark.py.

  python prep.py --raw data/subset.csv --out prepared/
"""
import argparse
import os

import pandas as pd

from common import CATEGORIES, LABEL, NUMERIC, RANGES, csv_files, split_train_test


def load(path):
    files = csv_files(path)
    try:
        import dask.dataframe as dd
        print(f"reading {len(files)} file(s) with dask")
        return dd.read_csv(files, assume_missing=True).compute().reset_index(drop=True)
    except ImportError:
        print(f"reading {len(files)} file(s) with pandas")
        return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def clean(df):
    rows = len(df)
    df = df.drop_duplicates(subset="applicant_id").drop(columns="applicant_id")
    df = df[df[LABEL].isin([0, 1])].copy()
    print(f"dropped {rows - len(df)} duplicate or unlabelled row(s)")
    for column in NUMERIC:
        values = pd.to_numeric(df[column], errors="coerce")
        if values.isna().any():
            print(f"{column}: filled {values.isna().sum()} missing value(s) with the median")
        values = values.fillna(values.median()).clip(*RANGES[column])
        df[column] = values.astype("int64") if (values % 1 == 0).all() else values
    df["loan_to_income"] = (df["loan_amount"] / df["income"]).round(4).clip(*RANGES["loan_to_income"])
    for column, values in CATEGORIES.items():        # fixed categories: same columns in every run
        text = df.pop(column).astype(str).str.strip().str.lower()
        for value in values:
            df[f"{column}_{value}"] = (text == value).astype(int)
    df[LABEL] = df.pop(LABEL).astype(int)            # label last
    return df


def main():
    parser = argparse.ArgumentParser(description="Clean, encode and split the credit data.")
    parser.add_argument("--raw", required=True, help="a CSV file or a folder of CSV files")
    parser.add_argument("--out", required=True, help="folder to write train.csv and test.csv to")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    df = clean(load(args.raw))
    train, test = split_train_test(df, args.test_fraction, args.seed)
    os.makedirs(args.out, exist_ok=True)
    train.to_csv(os.path.join(args.out, "train.csv"), index=False)
    test.to_csv(os.path.join(args.out, "test.csv"), index=False)
    print(f"wrote {len(train)} training and {len(test)} test rows to {args.out} "
          f"(default rate {df[LABEL].mean():.3f})")


if __name__ == "__main__":
    main()
