"""A test source returning values JSON cannot hold as they are, in batches between ordinary
ones, each batch after a state {"n": K}: NaN and infinities (also in a state), keys that
are not strings, bytes, a Decimal, dates, a set and a tuple, an object of no known type,
a circular reference. With mode=deep, the second batch holds a record nested deeper than
any encoder goes (it cannot be encoded at all)."""
import datetime, decimal

import panoply


class Opaque(object):
    def __str__(self):
        return "opaque thing"


class Broken(object):
    def __str__(self):
        raise RuntimeError("no text for you")


CONFIG = {"title": "Values source", "params": [{"name": "mode"}]}


def batches(mode):
    if mode == "deep":
        deep = []
        for _ in range(100000):
            deep = [deep]
        return [[{"id": 1}], [{"id": 2}, {"id": 3, "deep": deep}], [{"id": 4}]]
    loop = {"id": 11, "name": "loop"}
    loop["self"] = loop
    child = {"name": "child"}
    parent = {"id": 12, "children": [child]}
    child["parent"] = parent
    return [
        [{"id": 1, "v": 1.5}],
        [{"id": 2, "v": float("nan")}, {"id": 3, "v": float("inf")}, {"id": 4, "v": float("-inf"), "w": [1.0, float("nan")]}],
        [{"id": 5}],
        [{"id": 6, "keys": {1: "int", 2.5: "float", (1, 2): "tuple", None: "none", False: "bool", "s": "str"}}],
        [{"id": 7, "blob": bytes(range(256)), "text": b"plain", "view": memoryview(b"\x00\xff")}],
        [{"id": 8, "price": decimal.Decimal("1234567890.123456789012345678"), "day": datetime.date(2024, 2, 29),
          "at": datetime.datetime(2024, 2, 29, 13, 45, 1, 250000), "tags": {"only"}, "pair": (1, "b")}],
        [{"id": 9, "thing": Opaque(), "broken": Broken()}],
        [{"id": 10}],
        [loop, parent],
        [{"id": 13}],
    ]


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.batches = batches(source.get("mode") or "")
        self.k = 0

    def read(self, n=None):
        if self.k == len(self.batches):
            return None
        self.k += 1
        state = {"n": self.k}
        if self.k == 2:
            state["ratio"] = float("nan")
        self.state("s%d" % self.k, state)
        return self.batches[self.k - 1]
