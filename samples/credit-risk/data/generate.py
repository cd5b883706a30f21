#!/usr/bin/env python3
"""Generate the synthetic credit-risk data set of this sample.

Deterministic (fixed seed) and standard library only. Each row is a loan application; the label
`default` (1 = the loan defaulted) is drawn from a logistic model of the features, so a good
classifier reaches an AUC of about 0.8 but not 1.0. A few rows carry the defects real extracts
have (a missing income, a duplicated application) so that the preparation step has work to do.

Writes, beside this script:
  full/part-000.csv, full/part-001.csv   the entire data set (3,000 rows each)
  subset.csv                             a 1,500-row random sample of it, for quick runs

Usage: python3 generate.py [--seed 42]
"""
import argparse
import csv
import math
import os
import random

COLUMNS = [
    "applicant_id", "age", "income", "loan_amount", "loan_term_months", "credit_history_years",
    "num_open_accounts", "employment_type", "home_ownership", "purpose", "default",
]
EMPLOYMENT = {"salaried": 0.60, "self_employed": 0.20, "contract": 0.12, "unemployed": 0.08}
PURPOSE = {"debt_consolidation": 0.35, "home_improvement": 0.20, "car": 0.18,
           "education": 0.10, "medical": 0.07, "business": 0.10}
TERMS = [12, 24, 36, 48, 60]

# Effect of each feature on the log-odds of default (the "true" model the classifier must learn).
INTERCEPT = -1.75
EMPLOYMENT_EFFECT = {"salaried": -0.3, "self_employed": 0.2, "contract": 0.4, "unemployed": 1.0}
HOME_EFFECT = {"own": -0.4, "mortgage": -0.2, "rent": 0.3}
PURPOSE_EFFECT = {"debt_consolidation": 0.3, "home_improvement": -0.2, "car": -0.1,
                  "education": 0.1, "medical": 0.4, "business": 0.5}


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def applicant(rng, number):
    age = min(75, max(18, round(rng.gauss(40, 11))))
    employment = pick(rng, EMPLOYMENT)
    income = math.exp(rng.gauss(10.85, 0.45)) * (0.45 if employment == "unemployed" else 1.0)
    income *= 0.7 + 0.6 * min(age, 55) / 55          # income grows with age, then flattens
    income = int(round(income, -2))
    if age < 30:
        home = pick(rng, {"rent": 0.75, "mortgage": 0.20, "own": 0.05})
    else:
        home = pick(rng, {"rent": 0.35, "mortgage": 0.45, "own": 0.20})
    purpose = pick(rng, PURPOSE)
    loan_amount = int(round(min(60000, max(1000, math.exp(rng.gauss(9.3, 0.6)) * (income / 50000) ** 0.4)), -2))
    term = rng.choice(TERMS)
    history = round(min(age - 18, max(0.0, rng.gauss((age - 18) * 0.6, 3))), 1)
    accounts = min(25, max(0, round(rng.gauss(4, 2.5))))

    loan_to_income = loan_amount / income
    log_odds = (INTERCEPT
                + 3.2 * (loan_to_income - 0.25)
                - 0.04 * (age - 40)
                - 0.06 * (history - 10)
                + 0.08 * (accounts - 4)
                + 0.012 * (term - 36)
                + EMPLOYMENT_EFFECT[employment] + HOME_EFFECT[home] + PURPOSE_EFFECT[purpose]
                + rng.gauss(0, 0.3))                # what the features cannot explain
    default = 1 if rng.random() < 1 / (1 + math.exp(-log_odds)) else 0

    return {
        "applicant_id": f"A{number:06d}", "age": age,
        "income": "" if rng.random() < 0.01 else income,   # ~1% missing, as in real extracts
        "loan_amount": loan_amount, "loan_term_months": term, "credit_history_years": history,
        "num_open_accounts": accounts, "employment_type": employment, "home_ownership": home,
        "purpose": purpose, "default": default,
    }


def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows):5d} rows to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rows", type=int, default=6000, help="rows in the entire data set")
    parser.add_argument("--subset-rows", type=int, default=1500)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    rows = [applicant(rng, i + 1) for i in range(args.rows)]
    for i in rng.sample(range(len(rows)), k=len(rows) // 200):   # 0.5% duplicated applications
        rows.insert(rng.randrange(len(rows)), dict(rows[i]))

    here = os.path.dirname(os.path.abspath(__file__))
    half = len(rows) // 2
    write(os.path.join(here, "full", "part-000.csv"), rows[:half])
    write(os.path.join(here, "full", "part-001.csv"), rows[half:])
    write(os.path.join(here, "subset.csv"), rng.sample(rows, k=args.subset_rows))


if __name__ == "__main__":
    main()
