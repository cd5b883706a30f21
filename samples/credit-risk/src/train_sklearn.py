"""Train a logistic-regression credit-risk model with the given hyper-parameters.

Used both as the trial of the sklearn_subset sweep (on the prepared subset) and by sklearn_full
with the best trial's parameters (on the entire raw data, prepared here as prep.py does).
Reports `auc` (the sweep's primary metric) and `accuracy` on the test split.

  python train_sklearn.py --train prepared/ --C 0.1 --penalty l2 --model model/
"""
import argparse
import json
import os

import joblib
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from common import FEATURES, features_and_label, log_params, read_training_data, write_metrics


def main():
    parser = argparse.ArgumentParser(description="Train the scikit-learn credit-risk model.")
    parser.add_argument("--train", required=True,
                        help="prepared folder (train.csv, test.csv), or raw data (a CSV or a folder of CSVs)")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--penalty", choices=["l1", "l2"], default="l2")
    parser.add_argument("--max-iter", type=int, default=500)
    parser.add_argument("--model", required=True, help="folder to write model.pkl to")
    args = parser.parse_args()

    train, test = read_training_data(args.train)
    x_train, y_train = features_and_label(train)
    x_test, y_test = features_and_label(test)
    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=args.C, penalty=args.penalty, solver="liblinear", max_iter=args.max_iter,
                           random_state=0),
    )
    model.fit(x_train, y_train)
    scores = model.predict_proba(x_test)[:, 1]

    os.makedirs(args.model, exist_ok=True)
    joblib.dump(model, os.path.join(args.model, "model.pkl"))
    with open(os.path.join(args.model, "features.json"), "w") as f:
        json.dump(FEATURES, f)
    print(f"trained on {len(train)} rows, tested on {len(test)}; model in {args.model}")
    log_params({"C": args.C, "penalty": args.penalty, "max_iter": args.max_iter})
    write_metrics({"auc": roc_auc_score(y_test, scores),
                   "accuracy": accuracy_score(y_test, scores >= 0.5)})


if __name__ == "__main__":
    main()
