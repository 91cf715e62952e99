import sys

import pytest

sys.path.insert(0, "/app")
from inventory import Inventory, OutOfStock


def test_levels_add_up():
    inv = Inventory()
    inv.add("bolt", 10, threshold=3)
    inv.remove("bolt", 4)
    assert inv.level("bolt") == 6


def test_item_at_threshold_needs_restock():
    inv = Inventory()
    inv.add("bolt", 3, threshold=3)
    inv.add("nut", 9, threshold=3)
    assert inv.needs_restock() == ["bolt"]


def test_cannot_go_negative():
    inv = Inventory()
    inv.add("bolt", 2)
    with pytest.raises(OutOfStock):
        inv.remove("bolt", 3)
    assert inv.level("bolt") == 2
