"""A test source covering the whole DataSource API (written for the original SDK)."""
import json, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer

import panoply
from panoply.errors import PanoplyException


def regions(source, *rest):
    return [{"name": "Region %s" % r.upper(), "value": r, "disabled": False, "requires": []}
            for r in ("eu", "us", "ap") if source.get("account")]


CONFIG = {
    "title": "API test source",
    "icon": "",
    "params": [
        {"name": "account", "title": "Account", "required": True, "placeholder": "acme"},
        {"name": "token", "title": "Token", "type": "password", "required": True},
        {"name": "refresh_token", "title": "Refresh token", "type": "password"},
        {"name": "count", "title": "Count", "type": "number", "default": "5"},
        {"name": "verbose", "title": "Verbose", "type": "boolean"},
        {"name": "regions", "title": "Regions", "type": "dynamic-list", "values": regions, "dependencies": ["account"]},
        {"name": "kinds", "title": "Kinds", "type": "list", "values": [{"name": "A", "value": "a"}, {"name": "B", "value": "b"}]},
        {"name": "since", "title": "Since", "type": "date", "help": "First day"},
        {"name": "target", "type": "destination"},
        {"name": "pk", "type": "primary-key"},
        {"name": "extra", "title": "Extra", "category": "advanced"},
    ],
}


class TokenHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        ok = "refresh_token=R1" in body and "client_id=cid" in body
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"token": "NEW-TOKEN"} if ok else {"error": body}).encode())

    def log_message(self, *args):
        pass


class Expired(Exception):
    pass


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        self.server = HTTPServer(("127.0.0.1", 0), TokenHandler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.refresh_url = "http://127.0.0.1:%d/token" % self.server.server_port
        self.count = int(source["count"])
        self.step = 0
        self.start = (source.get("state") or {}).get("api", {}).get("next", 1)
        self.log("opened", "account", source["account"])

    def _request(self):
        @panoply.validate_token(self.refresh_url, Expired, "on_token", access_key="token")
        def call(self):
            if self.source.get("token") != "NEW-TOKEN":
                raise Expired("token expired")
            return "ok"
        return call(self)

    def on_token(self, token):
        self.log("callback got a token of", len(token), "characters")

    @panoply.background_progress("waiting for the export", waiting_interval=0.05)
    def slow(self):
        time.sleep(0.3)
        return "exported"

    def read(self, n=None):
        self.step += 1
        if self.step == 1:
            probe = {"kind": "probe", "account": self.source["account"], "count_type": type(self.source["count"]).__name__,
                     "verbose": self.source.get("verbose"), "regions": self.source.get("regions"),
                     "kinds": self.source.get("kinds"), "refresh": self.options.get("refresh"),
                     "resumed": self.source.get("state"), "destination": self.source.get("destination"),
                     "request": self._request(), "slow": self.slow(), "__state": "s0"}
            self.state("s0", {"api": {"next": self.start}})
            raw = self.raw("file-1", b"hello", {"__state": "s0"})
            return [probe, raw]
        if self.step == 2:
            return []
        if self.step == 3:
            ids = range(self.start, self.start + self.count)
            self.state("s1", {"api": {"next": self.start + self.count}})
            self.progress(self.count, None, "%d rows, total unknown" % self.count)
            return [panoply.to_record("items", [{"id": i, "__state": "s1"} for i in ids])]
        if self.step == 4:
            self.fire("custom-event", {"step": 4})
            self.progress(10, 10, "done")
            return []
        return None

    def close(self):
        self.log("closed")
        self.server.shutdown()

    @classmethod
    def list_resources(cls, source, options={}):
        return [{"id": "items", "title": "Items", "fields": [{"name": "id", "type": "integer", "is_mandatory": True, "is_available": True}],
                 "available": True, "required": False, "requires": []},
                {"id": "audit", "title": "Audit", "fields": [], "available": False, "required": False, "requires": ["items"]}]

    @classmethod
    def get_resource(cls, resource_id, source, options={}):
        for r in cls.list_resources(source, options):
            if r["id"] == resource_id:
                return r
        raise PanoplyException("no resource %s" % resource_id, retryable=False)
