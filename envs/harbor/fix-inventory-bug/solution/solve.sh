#!/bin/bash
python3 - <<'PY'
from pathlib import Path
path = Path("/app/inventory.py")
source = path.read_text()
source = source.replace(
    "        self._stock[item] = self._stock.get(item, 0) - units\n",
    "        if units > self._stock.get(item, 0):\n"
    "            raise OutOfStock(f\"only {self._stock.get(item, 0)} {item} in stock\")\n"
    "        self._stock[item] = self._stock.get(item, 0) - units\n",
)
source = source.replace("units < self._threshold[item]", "units <= self._threshold[item]")
path.write_text(source)
PY
