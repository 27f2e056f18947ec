"""A Python source for the bridge benchmark: yields pre-built dicts (the records of
py_bench.py) in batches, `n` in all, so the measure is the bridge, not the source."""
import os, sys

import panoply

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_bench import RECORDS  # noqa: E402

CONFIG = {"title": "Bridge benchmark", "params": [{"name": "n", "title": "Records", "required": True}]}


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.left = int(source["n"])

    def read(self, n=None):
        if self.left <= 0:
            return None
        k = min(n or 1000, self.left, len(RECORDS))
        self.left -= k
        return RECORDS[:k]
