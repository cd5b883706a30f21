"""Data preparation on Spark: the transformation of prep.py, for the entire data set.

Reads every CSV under --raw, writes train.csv/ and test.csv/ (Spark folders of part files)
under --out.

  spark-submit prep_spark.py --raw data/full --out prepared/

Where PySpark is not installed (a laptop, a test double of Azure ML), it says so and runs the
same transformation on pandas (prep.py), writing train.csv and test.csv files instead of folders;
the steps downstream read both.
"""
import argparse

try:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
except ImportError:
    SparkSession = None

from common import CATEGORIES, LABEL, NUMERIC, RANGES


def clip(column, name):
    low, high = RANGES[name]
    return F.least(F.greatest(column, F.lit(low)), F.lit(high))


def main():
    parser = argparse.ArgumentParser(description="Clean, encode and split the credit data on Spark.")
    parser.add_argument("--raw", required=True, help="a CSV file or a folder of CSV files")
    parser.add_argument("--out", required=True, help="folder to write train.csv/ and test.csv/ to")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    if SparkSession is None:
        print("pyspark is not installed: preparing on pandas instead (prep.py, the same transformation)")
        import prep
        prep.main()
        return

    spark = SparkSession.builder.appName("credit-risk-prep").getOrCreate()
    df = spark.read.option("header", True).csv(args.raw)       # every column as a string
    df = (df.dropDuplicates(["applicant_id"]).drop("applicant_id")
            .withColumn(LABEL, F.col(LABEL).cast("int"))
            .where(F.col(LABEL).isin(0, 1)))
    for name in NUMERIC:
        df = df.withColumn(name, F.col(name).cast("double"))
    medians = dict(zip(NUMERIC, (q[0] for q in df.approxQuantile(NUMERIC, [0.5], 0.001))))
    df = df.fillna(medians)
    for name in NUMERIC:
        df = df.withColumn(name, clip(F.col(name), name))
    df = df.withColumn("loan_to_income",
                       clip(F.round(F.col("loan_amount") / F.col("income"), 4), "loan_to_income"))
    for column, values in CATEGORIES.items():       # fixed categories: same columns as prep.py
        text = F.lower(F.trim(F.col(column)))
        for value in values:
            df = df.withColumn(f"{column}_{value}", (text == value).cast("int"))
        df = df.drop(column)
    df = df.select(*[c for c in df.columns if c != LABEL], LABEL)  # label last

    df = df.withColumn("_u", F.rand(args.seed)).cache()
    train = df.where(F.col("_u") >= args.test_fraction).drop("_u")
    test = df.where(F.col("_u") < args.test_fraction).drop("_u")
    out = args.out.rstrip("/")
    for name, part in (("train", train), ("test", test)):
        part.coalesce(1).write.mode("overwrite").option("header", True).csv(f"{out}/{name}.csv")
    print(f"wrote {train.count()} training and {test.count()} test rows to {out}")
    spark.stop()


if __name__ == "__main__":
    main()
