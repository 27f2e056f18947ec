"""A test source whose log lines, traceback and exception quote its secret params."""
import panoply
from panoply.errors import PanoplyException

CONFIG = {"title": "Leaky source", "params": [
    {"name": "api_key", "type": "password", "required": True},
    {"name": "mode", "required": True},
]}


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.key = source["api_key"]
        self.mode = source["mode"]
        self.step = 0
        if self.mode == "init":
            raise PanoplyException("the key %s was refused" % self.key, retryable=False)

    def read(self, n=None):
        self.step += 1
        if self.step == 1:
            self.log("connecting with key", self.key)
            return [{"id": 1}]
        if self.mode == "raise":
            raise PanoplyException("401 for key=%s" % self.key, retryable=False)
        if self.mode == "crash":
            {}["missing " + self.key]
        return None
