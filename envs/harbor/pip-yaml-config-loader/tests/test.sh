#!/bin/bash
cd /app
python3 -m pytest -q -p no:cacheprovider /tests/test_settings.py
if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
