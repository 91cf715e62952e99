#!/bin/bash
# Grades /app/report.json key by key; writes reward.json (reward = passed / total).
python3 /tests/grade.py /app/data/sales.csv /app/report.json /logs/verifier/reward.json
