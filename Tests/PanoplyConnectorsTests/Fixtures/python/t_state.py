"""A test source whose state advances per batch: batch k holds ids 10k-9..10k and reports
state {"last": 10k} and progress 10k first. `hang_at` hangs (ignoring SIGTERM) in that
batch's read after its state; `flaky_at` fails that batch's first read (retryable);
`announce` writes "batch k ready" to stderr as read() returns batch k (stderr is passed on
at once, never held back with a batch read ahead)."""
import signal, sys, time

import panoply
from panoply.errors import PanoplyException

CONFIG = {"title": "Stateful source", "params": [
    {"name": "batches", "required": True}, {"name": "hang_at"}, {"name": "flaky_at"},
    {"name": "announce"}]}


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.batches = int(source["batches"])
        self.hang_at = int(source.get("hang_at") or 0)
        self.flaky_at = int(source.get("flaky_at") or 0)
        self.announce = bool(source.get("announce"))
        self.k = 0

    def read(self, n=None):
        k = self.k + 1
        if k > self.batches:
            return None
        if k == self.flaky_at:
            self.flaky_at = 0
            self.state("bogus", {"last": -1})
            raise PanoplyException("batch %d is not ready" % k, retryable=True)
        self.state("batch-%d" % k, {"last": 10 * k})
        self.progress(10 * k, 10 * self.batches, "batch %d" % k)
        self.log("read batch %d" % k)
        if k == self.hang_at:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            sys.stderr.write("hanging in batch %d\n" % k)
            sys.stderr.flush()
            while True:
                time.sleep(1)
        self.k = k
        if self.announce:
            sys.stderr.write("batch %d ready\n" % k)
            sys.stderr.flush()
        return [{"id": i} for i in range(10 * k - 9, 10 * k + 1)]
