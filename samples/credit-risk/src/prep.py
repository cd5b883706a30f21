"""Data preparation: raw loan applications -> clean, encoded train.csv and test.csv.

Runs on pandas; reads the partitions with Dask when it is installed. The transformation itself
is common.prepare (train_sklearn.py applies it too when given raw data); the Spark version of
it, for the entire data set, is prep_spark.py.

  python prep.py --raw data/subset.csv --out prepared/
"""
import argparse
import os

import pandas as pd

from common import LABEL, csv_files, prepare, split_train_test


def load(path):
    files = csv_files(path)
    try:
        import dask.dataframe as dd
        print(f"reading {len(files)} file(s) with dask")
        return dd.read_csv(files, assume_missing=True).compute().reset_index(drop=True)
    except ImportError:
        print(f"reading {len(files)} file(s) with pandas")
        return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def main():
    parser = argparse.ArgumentParser(description="Clean, encode and split the credit data.")
    parser.add_argument("--raw", required=True, help="a CSV file or a folder of CSV files")
    parser.add_argument("--out", required=True, help="folder to write train.csv and test.csv to")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    df = prepare(load(args.raw))
    train, test = split_train_test(df, args.test_fraction, args.seed)
    os.makedirs(args.out, exist_ok=True)
    train.to_csv(os.path.join(args.out, "train.csv"), index=False)
    test.to_csv(os.path.join(args.out, "test.csv"), index=False)
    print(f"wrote {len(train)} training and {len(test)} test rows to {args.out} "
          f"(default rate {df[LABEL].mean():.3f})")


if __name__ == "__main__":
    main()
