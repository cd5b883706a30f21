"""Helpers shared by the credit-risk steps: the data's columns, reading CSV inputs, writing metrics.

Inputs may be given as a file or as a folder. A folder is read as every CSV file under it, so
both the raw partitions (data/full/part-*.csv) and Spark's output (train.csv/part-*.csv) work;
a prepared folder holds train.csv and test.csv.
"""
import glob
import json
import os

import pandas as pd

LABEL = "default"
NUMERIC = ["age", "income", "loan_amount", "loan_term_months", "credit_history_years",
           "num_open_accounts"]
DERIVED = ["loan_to_income"]
CATEGORIES = {
    "employment_type": ["salaried", "self_employed", "contract", "unemployed"],
    "home_ownership": ["rent", "mortgage", "own"],
    "purpose": ["debt_consolidation", "home_improvement", "car", "education", "medical", "business"],
}
ONE_HOT = [f"{column}_{value}" for column, values in CATEGORIES.items() for value in values]
FEATURES = NUMERIC + DERIVED + ONE_HOT
# Plausible range of each numeric column: preparation clips to it, validation checks it.
RANGES = {
    "age": (18, 100), "income": (1000, 5_000_000), "loan_amount": (100, 1_000_000),
    "loan_term_months": (6, 360), "credit_history_years": (0, 82), "num_open_accounts": (0, 100),
    "loan_to_income": (0, 100),
}


def csv_files(path):
    """The CSV file `path`, or every CSV file under the folder `path`, in a stable order."""
    if os.path.isfile(path):
        return [path]
    files = sorted(glob.glob(os.path.join(path, "**", "*.csv"), recursive=True))
    files = [f for f in files if os.path.isfile(f)]
    if not files:
        raise FileNotFoundError(f"no CSV file at or under {path}")
    return files


def read_csv(path):
    return pd.concat([pd.read_csv(f) for f in csv_files(path)], ignore_index=True)


def split_train_test(df, test_fraction=0.2, seed=42):
    """A stratified split (the same default rate in both parts) that needs only pandas."""
    test = df.groupby(LABEL, group_keys=False).sample(frac=test_fraction, random_state=seed)
    return df.drop(test.index).reset_index(drop=True), test.reset_index(drop=True)


def read_prepared(path):
    """(train, test): train.csv and test.csv inside a prepared folder, else a split of the CSVs."""
    train, test = os.path.join(path, "train.csv"), os.path.join(path, "test.csv")
    if os.path.isdir(path) and os.path.exists(train) and os.path.exists(test):
        return read_csv(train), read_csv(test)
    return split_train_test(read_csv(path))


def prepare(df):
    """Raw applications -> clean, encoded rows: the preparation of prep.py (and prep_spark.py).

    Drops duplicate applications and unlabelled rows, fills missing numbers with the median,
    clips them to RANGES, adds loan_to_income, one-hot encodes the CATEGORIES (fixed columns, so
    every run has the same ones), and puts the label last.
    """
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


def is_prepared(df):
    return all(column in df.columns for column in FEATURES + [LABEL])


def read_training_data(path):
    """(train, test) from a prepared folder (train.csv, test.csv), prepared CSVs, or raw data.

    Raw data (the applications as data/ holds them) is prepared here with prepare(), then split,
    so a training step can run on a dataset directly as well as on a preparation step's output.
    """
    train, test = os.path.join(path, "train.csv"), os.path.join(path, "test.csv")
    if os.path.isdir(path) and os.path.exists(train) and os.path.exists(test):
        return read_csv(train), read_csv(test)
    df = read_csv(path)
    if not is_prepared(df):
        print(f"{path} holds raw data: preparing it as prep.py does")
        df = prepare(df)
    return split_train_test(df)


def features_and_label(df):
    return df[FEATURES].astype("float32"), df[LABEL].astype(int)


def roc_auc(labels, scores):
    """Area under the ROC curve (Mann-Whitney U), for environments without scikit-learn."""
    labels = pd.Series(list(labels)).astype(int)
    ranks = pd.Series(list(scores)).rank()   # ties get their average rank
    positives, negatives = int(labels.sum()), int((1 - labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def log_params(params):
    try:
        import mlflow
        mlflow.log_params(params)
    except ImportError:
        pass


def write_metrics(metrics):
    """Log metrics to MLflow when it is installed, and always to ./outputs/metrics.json."""
    metrics = {name: float(value) for name, value in metrics.items()}
    try:
        import mlflow
        mlflow.log_metrics(metrics)
    except ImportError:
        pass
    os.makedirs("outputs", exist_ok=True)
    with open(os.path.join("outputs", "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print("metrics:", json.dumps(metrics))
