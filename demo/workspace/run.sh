#!/bin/sh
# A tiny "simulation": sums 1..N and reports where it ran. AWS Batch sets AWS_BATCH_JOB_ID;
# array children get their index from AWS_BATCH_JOB_ARRAY_INDEX (when the runner provides it).
set -eu
N=${STEPS:-1000}
i=0
sum=0
while [ "$i" -lt "$N" ]; do
  i=$((i + 1))
  sum=$((sum + i))
done
echo "job ${AWS_BATCH_JOB_ID:-local} index ${AWS_BATCH_JOB_ARRAY_INDEX:-0} on $(hostname)"
echo "sum 1..$N = $sum"
