#!/bin/bash
# Runs the hidden pytest suite against /app/inventory.py; reward 1 only if all pass.
cd /app
python3 -m pytest -q -p no:cacheprovider /tests/test_inventory.py
if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
