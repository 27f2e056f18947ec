"""A test source that fails in the way its `mode` param says, after one good batch."""
import os, signal, sys, time

import panoply
from panoply.errors import PanoplyException

CONFIG = {"title": "Failing source", "params": [{"name": "mode", "required": True}]}


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.mode = source["mode"]
        self.step = 0

    def read(self, n=None):
        self.step += 1
        if self.step == 1:
            return [{"id": i} for i in (1, 2, 3)]
        mode = self.mode
        if mode == "fatal":
            raise PanoplyException("the account was deleted", retryable=False)
        if mode == "retryable":
            self.log("attempt", self.step - 1)
            raise PanoplyException("the service is busy", retryable=True)
        if mode == "crash":
            sys.stderr.write("about to crash hard\n")
            sys.stderr.flush()
            os._exit(3)
        if mode == "corrupt":
            out = sys.modules["__main__"]._proto_out
            out.write(b"this is not json\n")
            out.flush()
            time.sleep(30)
        if mode == "print":
            if self.step == 2:
                print("hello from print")
                print({"a": 1})
                import logging
                logging.warning("a logging warning")
                return [{"id": 4}]
            return None
        if mode == "hang":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self.log("hanging now")
            while True:
                time.sleep(1)
        raise ValueError("unknown mode " + mode)

    @classmethod
    def list_resources(cls, source, options={}):
        raise NotImplementedError("resources are not listed for this account")
