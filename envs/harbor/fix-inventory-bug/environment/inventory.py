"""Stock levels with reorder thresholds."""


class OutOfStock(Exception):
    """Raised when removing more units than are in stock."""


class Inventory:
    def __init__(self):
        self._stock = {}
        self._threshold = {}

    def add(self, item, units, threshold=0):
        self._stock[item] = self._stock.get(item, 0) + units
        self._threshold[item] = threshold

    def remove(self, item, units):
        self._stock[item] = self._stock.get(item, 0) - units

    def level(self, item):
        return self._stock.get(item, 0)

    def needs_restock(self):
        return sorted(item for item, units in self._stock.items() if units < self._threshold[item])
