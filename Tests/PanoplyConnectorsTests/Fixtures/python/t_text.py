"""A test source with text beyond ASCII: one batch, then the end."""
import panoply

CONFIG = {"title": "Text source", "params": []}


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.done = False

    def read(self, n=None):
        if self.done:
            return None
        self.done = True
        self.log("read Zoë ✓")
        return [{"id": 1, "name": "Zoë ✓ 日本 \U0001F600", "quote": "a \"b\"\n\tc \\ \u2028"},
                {"id": 2, "name": "lone \ud800 surrogate", "pair": "\ud83d\ude00"}]
