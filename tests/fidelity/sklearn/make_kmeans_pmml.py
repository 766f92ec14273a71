#!/usr/bin/python3
"""Fits scikit-learn's KMeans on the bundled churn data and writes it as a PMML
4.4 ClusteringModel, with KMeans' own answers for every row.

The model is KMeans(n_clusters=6) over six numeric columns of
data/demo/mlc_churn.csv, as they are in the file. The PMML document is a
center-based ClusteringModel with the euclidean measure, one ClusteringField
per column and one Cluster per row of cluster_centers_ (id = KMeans' label,
coordinates written with 17 significant digits, so they read back exactly).
Its Output names the predicted cluster `cluster` and the distance to cluster
k `distance_k`.

The expected file has, per data row, KMeans.predict()'s label and
KMeans.transform()'s euclidean distance to each center; the fidelity test
scores the PMML with Podium and compares.

Usage: make_kmeans_pmml.py --data mlc_churn.csv --pmml kmeans.pmml --expected expected.csv
"""
import argparse
import csv

import numpy as np
from sklearn.cluster import KMeans

COLUMNS = [
    "account_length", "total_day_minutes", "total_eve_minutes",
    "total_night_minutes", "total_intl_minutes", "number_customer_service_calls",
]
CLUSTERS = 6


def number(value):
    return repr(float(value))


def write_pmml(path, centers):
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">',
        '  <Header description="scikit-learn KMeans on the churn data"/>',
        '  <DataDictionary>',
    ]
    lines += ['    <DataField name="%s" optype="continuous" dataType="double"/>' % c for c in COLUMNS]
    lines += [
        '  </DataDictionary>',
        '  <ClusteringModel functionName="clustering" modelClass="centerBased" numberOfClusters="%d">'
        % len(centers),
        '    <MiningSchema>',
    ]
    lines += ['      <MiningField name="%s"/>' % c for c in COLUMNS]
    lines += ['    </MiningSchema>', '    <Output>',
              '      <OutputField name="cluster" optype="categorical" dataType="string" feature="predictedValue"/>']
    lines += ['      <OutputField name="distance_%d" optype="continuous" dataType="double" feature="affinity" '
              'value="%d"/>' % (k, k) for k in range(len(centers))]
    lines += ['    </Output>', '    <ComparisonMeasure kind="distance">', '      <euclidean/>',
              '    </ComparisonMeasure>']
    lines += ['    <ClusteringField field="%s"/>' % c for c in COLUMNS]
    for k, center in enumerate(centers):
        lines.append('    <Cluster id="%d">' % k)
        lines.append('      <Array n="%d" type="real">%s</Array>' % (len(center), " ".join(number(v) for v in center)))
        lines.append('    </Cluster>')
    lines += ['  </ClusteringModel>', '</PMML>']
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--pmml", required=True)
    parser.add_argument("--expected", required=True)
    args = parser.parse_args()
    with open(args.data, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in COLUMNS] for r in rows], dtype=np.float64)
    model = KMeans(n_clusters=CLUSTERS, n_init=10, random_state=20261126).fit(x)
    write_pmml(args.pmml, model.cluster_centers_)
    labels = model.predict(x)
    distances = model.transform(x)
    with open(args.expected, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["label"] + ["distance_%d" % k for k in range(CLUSTERS)])
        for label, row in zip(labels, distances):
            out.writerow([int(label)] + [number(v) for v in row])


if __name__ == "__main__":
    main()
