"""Runs a Python data source written for the original Panoply SDK for `panoply`.

Protocol (docs/python-protocol.md): one JSON message per line. Requests arrive on the
runner's original stdin, replies and events leave on its original stdout; both are
duplicated away before the module is imported, and the module's own stdout goes to
stderr, so its print() and logging become log lines and never corrupt the protocol.
Usage: python3 panoply_runner.py MODULE
"""
import base64, datetime, decimal, importlib, inspect, json, os, sys, threading, time, traceback, types
from functools import wraps

_proto_in = os.fdopen(os.dup(0), "rb")
_proto_out = os.fdopen(os.dup(1), "wb")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.dup2(2, 1)
sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace")
_lock = threading.Lock()


def _default(o):
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, decimal.Decimal):
        return str(o)
    if isinstance(o, (bytes, bytearray)):
        return o.decode("ascii", "replace")
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)


# Compact, with text as UTF-8 (cheaper to write and to read than \u escapes). A lone
# surrogate, which UTF-8 (and so JSON text) cannot hold, becomes U+FFFD; a split pair is joined.
_encode = json.JSONEncoder(default=_default, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode


def send(msg):
    text = _encode(msg)
    try:
        line = text.encode()
    except UnicodeEncodeError:
        line = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()
    with _lock:
        _proto_out.write(line)
        _proto_out.write(b"\n")
        _proto_out.flush()


def _text(msgs):
    if isinstance(msgs, (tuple, list)):
        return " ".join(str(m) for m in msgs)
    return str(msgs)


# ---- a compatible `panoply` module, used when the original SDK is not importable ----
class PanoplyException(Exception):
    def __init__(self, args=None, retryable=True):
        super().__init__(args)
        self.retryable = retryable


class TokenValidationException(PanoplyException):
    def __init__(self, original_error, args=None, retryable=True):
        super().__init__(args, retryable)
        self.original_error = original_error


class Emitter(object):
    def __init__(self):
        self._events = {}

    def on(self, name, fn):
        self._events.setdefault(name, set()).add(fn)
        return self

    def fire(self, name, data):
        for fn in self._events.get("*", set()):
            fn(name, data)
        for fn in self._events.get(name, set()):
            fn(data)
        return self


class DataSource(Emitter):
    def __init__(self, source, options={}, *args, **kwargs):
        super().__init__()
        self.source = source
        self.options = options

    def read(self, batch_size=None):
        raise NotImplementedError("read")

    def close(self):
        pass

    @classmethod
    def get_resource(cls, resource_id, source, options={}):
        raise NotImplementedError("`get_resource` method is not supported.")

    @classmethod
    def list_resources(cls, source, options={}):
        raise NotImplementedError("`list_resources` method is not supported.")

    def log(self, *msgs):
        if "logger" in self.options:
            self.options["logger"](msgs)
        else:
            print(msgs)

    def state(self, state_id, state):
        self.fire("source-state", {"stateId": state_id, "state": state})

    def progress(self, loaded, total, msg=""):
        self.fire("progress", {"loaded": loaded, "total": total, "msg": msg})

    def raw(self, tag, raw, metadata):
        return {"type": "raw", "tag": tag, "raw": base64.b64encode(raw), "metadata": metadata}


def _post_form(url, data):
    import urllib.parse, urllib.request
    last = None
    for attempt in range(3):
        try:
            body = urllib.parse.urlencode(data).encode()
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=60) as r:
                return json.loads(r.read().decode())
        except Exception as e:  # retried like the original's backoff (3 tries)
            last = e
            time.sleep(0.2 * (2 ** attempt))
    raise last


def validate_token(refresh_url, exceptions=(), callback=None, access_key="access_token", refresh_key="refresh_token"):
    def _validate_token(f):
        @wraps(f)
        def wrapper(*args, **kwargs):
            self = args[0]
            try:
                return f(*args, **kwargs)
            except exceptions:
                try:
                    self.log("Revalidating the access token...")
                    self.source[access_key] = None
                    data = dict(self.options.get("refresh", {}), **{refresh_key: self.source.get(refresh_key)})
                    answer = _post_form(refresh_url, data)
                    self.source[access_key] = answer[access_key]
                    changes = {access_key: self.source[access_key]}
                    if answer.get(refresh_key):
                        self.source[refresh_key] = changes[refresh_key] = answer[refresh_key]
                    self.fire("source-change", changes)
                    if callback:
                        (callback if callable(callback) else getattr(self, callback))(self.source.get(access_key))
                except Exception as e:
                    self.log("Error: Access token can't be revalidated. The user would have to re-authenticate")
                    raise TokenValidationException(e, "access token could not be refreshed ({})".format(e), retryable=False)
                return f(*args, **kwargs)
        return wrapper
    return _validate_token


def background_progress(message, waiting_interval=10 * 60, timeout=24 * 60 * 60):
    def _background_progress(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            done = threading.Event()
            result = {}

            def run():
                try:
                    result["value"] = func(*args, **kwargs)
                except BaseException as e:
                    result["error"] = e
                finally:
                    done.set()
            threading.Thread(target=run, daemon=True).start()
            started = time.time()
            while not done.is_set():
                if time.time() - started > timeout:
                    raise Exception("Max waiting time exceeded")
                self.log(message)
                self.progress(None, None, message)
                done.wait(timeout=waiting_interval)
            if "error" in result:
                raise result["error"]
            return result["value"]
        return wrapper
    return _background_progress


def to_record(resource, data):
    if not isinstance(resource, str) or not resource.strip():
        raise ValueError("`resource` must be a non empty string")
    data = [data] if isinstance(data, dict) else data
    now = datetime.datetime.utcnow().isoformat(timespec="milliseconds") + "Z"
    return {"data": data, "metadata": {"resource_id": resource, "timestamp": now}}


def convert_to_ui_format(items, create_name, create_value, is_disabled=lambda item: False, requires=lambda item: []):
    if not items:
        return None
    return [{"name": create_name(i), "value": create_value(i), "disabled": is_disabled(i), "requires": requires(i)} for i in items]


def _install_compat():
    root = types.ModuleType("panoply")
    root.__path__ = []
    names = dict(DataSource=DataSource, validate_token=validate_token, background_progress=background_progress,
                 PanoplyException=PanoplyException, TokenValidationException=TokenValidationException,
                 to_record=to_record, RecordGroup=dict, Resource=dict, Field=dict,
                 convert_to_ui_format=convert_to_ui_format, Emitter=Emitter)
    root.__dict__.update(names)
    for sub in ("datasource", "records", "resources", "events", "errors", "errors.exceptions"):
        m = types.ModuleType("panoply." + sub)
        m.__dict__.update(names)
        sys.modules["panoply." + sub] = m
    root.errors = sys.modules["panoply.errors"]
    sys.modules["panoply"] = root


def _load_panoply():
    try:
        import panoply  # noqa: F401  (the original SDK, when installed)
        return "the original panoply SDK from " + os.path.dirname(getattr(panoply, "__file__", "?") or "?")
    except ImportError as e:
        for name in [n for n in sys.modules if n == "panoply" or n.startswith("panoply.")]:
            del sys.modules[name]
        _install_compat()
        return "the runner's compatible panoply module (the original SDK is not importable: %s)" % e


# ---- the bridge ----------------------------------------------------------------------
def _error(e, kind="exception"):
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if not f.filename.startswith("<frozen") and os.path.abspath(f.filename) != os.path.abspath(__file__)]
    tb = traceback.format_list(frames[-6:]) + traceback.format_exception_only(type(e), e)
    tail = "".join(tb).rstrip().splitlines()[-12:]
    return {"type": "reply", "error": {"kind": kind, "exception": type(e).__name__, "message": str(e),
                                        "retryable": bool(getattr(e, "retryable", True)), "traceback": tail}}


def _call(fn, *args):
    """Calls fn with as many of args as it takes (values(source) or values(source, options))."""
    try:
        params = inspect.signature(fn).parameters.values()
        if not any(p.kind == p.VAR_POSITIONAL for p in params):
            args = args[:len([p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])]
    except (TypeError, ValueError):
        pass
    return fn(*args)


class Bridge(object):
    def __init__(self, module_name):
        self.module_name = module_name
        self.module = None
        self.stream = None
        self.options = {}

    def config(self):
        config = getattr(self.module, "CONFIG", None)
        if not isinstance(config, dict):
            raise PanoplyException("module %s has no CONFIG dict" % self.module_name, retryable=False)
        params = []
        for p in config.get("params", []):
            q = {k: v for k, v in p.items() if k != "values"}
            values = p.get("values")
            if callable(values):
                q["values"] = {"dynamic": True}
            elif values is not None:
                q["values"] = values
            params.append(q)
        stream = getattr(self.module, "Stream", None)
        return {"title": config.get("title", self.module_name), "icon": config.get("icon", ""), "params": params,
                "list_resources": stream is not None and "list_resources" in _defined(stream),
                "get_resource": stream is not None and "get_resource" in _defined(stream)}

    def _options(self, options):
        options = dict(options or {})
        options["logger"] = lambda msgs: send({"type": "log", "message": _text(msgs)})
        options.setdefault("refresh", {})
        return options

    def _values(self, name, source):
        for p in self.module.CONFIG.get("params", []):
            if p.get("name") == name:
                values = p.get("values")
                if callable(values):
                    values = _call(values, source, self._options({}))
                return [v if isinstance(v, dict) else {"name": str(v), "value": v} for v in (values or [])]
        raise PanoplyException("no list param %r in CONFIG" % name, retryable=False)

    def _match_lists(self, source):
        """A list param arrives as the values typed; the module gets the value objects."""
        for p in self.module.CONFIG.get("params", []):
            name = p.get("name")
            if p.get("type") not in ("list", "dynamic-list") or not isinstance(source.get(name), list):
                continue
            if not all(isinstance(v, str) for v in source[name]):
                continue
            values = self._values(name, source)
            by_value = {str(v.get("value")): v for v in values}
            missing = [v for v in source[name] if v not in by_value]
            if missing:
                known = ", ".join(sorted(by_value)[:20])
                raise PanoplyException("%s: %s not among its values (%s)" % (name, ", ".join(missing), known), retryable=False)
            source[name] = [by_value[v] for v in source[name]]

    def open(self, source, options):
        self._match_lists(source)
        self.options = self._options(options)
        stream = self.module.Stream

        def fire(instance, name, data):
            _forward(name, data)
            return stream.fire(instance, name, data)
        bridged = type(stream.__name__, (stream,), {"fire": fire, "__module__": stream.__module__})
        self.stream = bridged(source, self.options)
        return None

    def read(self, n):
        out = self.stream.read(n)
        if out is None:
            return {"type": "batch", "records": None}
        if not isinstance(out, list):
            out = list(out)
        # Plain records pass as they are (the common case, checked at C speed where it can be).
        if not any(isinstance(item, dict) and "metadata" in item for item in out):
            return {"type": "batch", "records": out}
        records = []
        for item in out:
            if _is_group(item):
                rid = item["metadata"]["resource_id"]
                for r in item["data"]:
                    r = dict(r)
                    r.setdefault("__resource", rid)
                    records.append(r)
            else:
                records.append(item)
        return {"type": "batch", "records": records}

    def handle(self, req):
        op = req.get("op")
        if op == "config":
            return {"type": "reply", "ok": self.config()}
        if op == "open":
            return {"type": "reply", "ok": self.open(req.get("source", {}), req.get("options", {}))}
        if op == "read":
            return self.read(req.get("n", 1000))
        if op == "close":
            close = getattr(self.stream, "close", None)
            if close:
                close()
            return {"type": "reply", "ok": None}
        source, options = req.get("source", {}), self._options(req.get("options", {}))
        if op == "values":
            return {"type": "reply", "ok": self._values(req["param"], source)}
        if op == "list_resources":
            return {"type": "reply", "ok": self.module.Stream.list_resources(source, options)}
        if op == "get_resource":
            return {"type": "reply", "ok": self.module.Stream.get_resource(req["id"], source, options)}
        raise PanoplyException("unknown request %r" % op, retryable=False)


def _is_group(item):
    """A record group: {"data": [...], "metadata": {"resource_id": R, ...}}."""
    return isinstance(item, dict) and isinstance(item.get("data"), list) and isinstance(item.get("metadata"), dict) \
        and "resource_id" in item["metadata"]


def _defined(cls):
    names = set()
    for c in cls.__mro__:
        if c.__name__ == "DataSource" and c.__module__.startswith("panoply"):
            break
        names.update(vars(c))
    return names


def _forward(name, data):
    if name == "progress":
        send({"type": "progress", "loaded": data.get("loaded"), "total": data.get("total"), "message": data.get("msg") or ""})
    elif name == "source-state":
        send({"type": "state", "id": str(data.get("stateId")), "state": data.get("state")})
    else:
        send({"type": "fire", "event": name, "data": data})


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: panoply_runner.py MODULE\n")
        return 2
    bridge = Bridge(sys.argv[1])
    sdk = _load_panoply()
    try:
        bridge.module = importlib.import_module(sys.argv[1])
        hello = {"type": "hello", "sdk": sdk, "python": sys.version.split()[0]}
    except BaseException as e:
        hello = _error(e, "import")
        hello["type"] = "hello"
    send(hello)
    if bridge.module is None:
        return 0
    for line in _proto_in:
        try:
            req = json.loads(line)
        except ValueError as e:
            send(_error(e, "protocol"))
            continue
        try:
            send(bridge.handle(req))
        except BaseException as e:
            send(_error(e, "import" if isinstance(e, ImportError) else "exception"))
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                return 1
        if req.get("op") == "close":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
