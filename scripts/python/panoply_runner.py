"""Runs a Python data source written for the original Panoply SDK for `panoply`.

Protocol (docs/python-protocol.md): one JSON message per line. Requests arrive on the
runner's original stdin, replies and events leave on its original stdout; both are
duplicated away before the module is imported, and the module's own stdout goes to
stderr, so its print() and logging become log lines and never corrupt the protocol.
Usage: python3 -u -c "$(cat panoply_runner.py)" MODULE (panoply passes the runner as
text, never as a file someone else could have written), or python3 panoply_runner.py MODULE.
"""
import sys
# With -c, Python puts the current folder first on sys.path, where a json.py would shadow
# the standard library: drop it (the module comes from PYTHONPATH, as when run as a file).
if sys.argv[:1] == ["-c"] and sys.path[:1] == [""]:
    del sys.path[0]
import base64, datetime, decimal, importlib, inspect, json, math, os, threading, time, traceback, types
from functools import wraps

_proto_in = os.fdopen(os.dup(0), "rb")
_proto_out = os.fdopen(os.dup(1), "wb")
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.dup2(2, 1)
sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", errors="replace")
_lock = threading.Lock()


def _str(o):
    """str(o), or its default repr when its __str__ fails (or returns no string)."""
    try:
        s = str(o)
        if isinstance(s, str):
            return s
    except Exception:
        pass
    return object.__repr__(o)


def _default(o):
    """What JSON cannot hold: dates and times in ISO 8601, decimals as their exact text,
    bytes (also memoryview, as psycopg2 gives bytea) as base64, sets and tuples as arrays,
    anything else as its str()."""
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, decimal.Decimal):
        return str(o)
    if isinstance(o, (bytes, bytearray, memoryview)):
        return base64.b64encode(o).decode("ascii")
    if isinstance(o, (set, tuple)):
        return list(o)
    return _str(o)


# Compact, with text as UTF-8 (cheaper to write and to read than \u escapes). This C
# encoder raises on NaN and infinities, keys that are not str/int/float/bool/None, and
# circular references: then the value is cleaned (_clean) and encoded again.
_encode = json.JSONEncoder(default=_default, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode
CIRCULAR = "<circular reference>"


def _number(f):
    """A float JSON holds, or the text the PostgreSQL source writes for NaN and infinities."""
    if math.isfinite(f):
        return f
    return "NaN" if f != f else ("Infinity" if f > 0 else "-Infinity")


def _key(k):
    """A dict key as text: what json writes for str/int/float/bool/None, else its str()."""
    if isinstance(k, str):
        return k
    if k is True or k is False or k is None:
        return json.dumps(k)
    if isinstance(k, float):
        n = _number(k)
        return n if isinstance(n, str) else float.__repr__(n)
    if isinstance(k, int):
        return int.__repr__(k)
    return _str(k)


def _clean(o, cut, path="", active=None):
    """o with only what JSON holds (see _default, _number, _key); a container met again
    inside itself becomes CIRCULAR, its path passed to cut. Raises only where a value
    cannot be encoded at all (nesting deeper than Python's recursion limit)."""
    if o is None or isinstance(o, (str, bool, int)):
        return o
    if isinstance(o, float):
        return _number(o)
    if isinstance(o, (dict, list, tuple, set)):
        active = set() if active is None else active
        if id(o) in active:
            cut(path or "(the record itself)")
            return CIRCULAR
        active.add(id(o))
        try:
            if isinstance(o, dict):
                out = {}
                for k, v in list(o.items()):
                    key = _key(k)
                    out[key] = _clean(v, cut, path + "." + key if path else key, active)
                return out
            return [_clean(v, cut, "%s[%d]" % (path, i), active) for i, v in enumerate(list(o))]
        finally:
            active.discard(id(o))
    try:
        v = _default(o)
    except Exception:
        v = _str(o)
    return v if isinstance(v, str) else _str(v)


class EncodingError(Exception):
    """A message that cannot be encoded as JSON (panoply fails the run, not retrying)."""
    retryable = False


def _safe(value, what):
    """value encoded; cleaned first when it holds what JSON cannot (a warning is logged
    for each circular reference cut). Raises EncodingError naming what() (called only then)."""
    try:
        return _encode(value)
    except Exception:
        pass
    what = what()
    cut = []
    try:
        text = _encode(_clean(value, cut.append))
    except Exception as e:
        raise EncodingError("cannot encode %s as JSON: %s: %s" % (what, type(e).__name__, _str(e)))
    for path in cut:
        send({"type": "log", "message": "warning: %s: a circular reference at %s was cut (written as %s)"
              % (what, path, json.dumps(CIRCULAR))})
    return text


def _write(text):
    try:
        line = text.encode()
    except UnicodeEncodeError:
        # A lone surrogate, which UTF-8 (and so JSON text) cannot hold, becomes U+FFFD; a split pair is joined.
        line = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()
    with _lock:
        _proto_out.write(line)
        _proto_out.write(b"\n")
        _proto_out.flush()


def send(msg):
    _write(_safe(msg, lambda: "a %s message" % msg.get("type")))


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
# The runner's own frames are left out of tracebacks: its file, or "<string>" under -c.
_SELF = globals().get("__file__", "<string>")


class Unsupported(Exception):
    """Stream has no list_resources / get_resource (the base method raises NotImplementedError)."""
    retryable = False


class Encoded(object):
    """A message already encoded (a batch)."""
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def _error(e, kind="exception"):
    """The error reply for e. Only a module's exception may be retried (as its retryable
    attribute says, true when it has none); the runner's own errors never are."""
    if isinstance(e, EncodingError):
        kind = "encoding"
    elif isinstance(e, Unsupported):
        kind = "unsupported"
    tail = []
    if kind != "unsupported":
        frames = [f for f in traceback.extract_tb(e.__traceback__)
                  if not f.filename.startswith("<frozen") and f.filename != _SELF]
        try:
            tb = traceback.format_list(frames[-6:]) + traceback.format_exception_only(type(e), e)
        except Exception:
            tb = traceback.format_list(frames[-6:]) + [type(e).__name__]
        tail = "".join(tb).rstrip().splitlines()[-12:]
    retryable = bool(getattr(e, "retryable", True)) if kind == "exception" else False
    return {"type": "reply", "error": {"kind": kind, "exception": type(e).__name__, "message": _str(e),
                                        "retryable": retryable, "traceback": tail}}


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
        self.batches = 0  # batches read
        self.sent = 0  # records in them

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
            return self._batch(out)
        records = []
        for item in out:
            if _is_group(item):
                rid = item["metadata"]["resource_id"]
                for r in item["data"]:
                    r = dict(r)
                    r.setdefault("__resource", rid)
                    records.append(r)
            elif isinstance(item, dict) and item.get("type") == "raw" and isinstance(item.get("raw"), (bytes, bytearray)):
                records.append(dict(item, raw=item["raw"].decode("ascii", "replace")))  # raw() gives base64 already
            else:
                records.append(item)
        return self._batch(records)

    def _batch(self, records):
        """The batch reply, encoded here: the module's cursor has moved past these records,
        so a record that cannot be encoded fails the run (EncodingError, not retried) rather
        than being dropped by a retried read. A batch the encoder refuses is encoded record
        by record, each cleaned as it needs (see _safe)."""
        self.batches += 1
        try:
            text = _encode({"type": "batch", "records": records})
        except Exception:
            text = '{"type":"batch","records":[%s]}' % ",".join(
                _safe(r, lambda i=i: self._where(records, i)) for i, r in enumerate(records))
        self.sent += len(records)
        return Encoded(text)

    def _where(self, records, i):
        r = records[i]
        resource = (r.get("__resource") or r.get("__tablename")) if isinstance(r, dict) else None
        return "record %d (number %d in batch %d%s)" % (self.sent + i + 1, i + 1, self.batches,
                                                         ", resource %s" % _str(resource) if resource else "")

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
        if op in ("list_resources", "get_resource"):
            stream = self.module.Stream
            try:
                if op not in _defined(stream):
                    raise NotImplementedError("Stream has no %s" % op)
                ok = stream.list_resources(source, options) if op == "list_resources" else stream.get_resource(req["id"], source, options)
            except NotImplementedError as e:
                raise Unsupported("%s does not %s (%s)" % (self.module_name, op.replace("_", " "), _str(e) or "NotImplementedError"))
            return {"type": "reply", "ok": ok}
        raise PanoplyException("unknown request %r" % op, retryable=False)


def _is_group(item):
    """A record group: {"data": [...], "metadata": {"resource_id": R, ...}}."""
    return isinstance(item, dict) and isinstance(item.get("data"), list) and isinstance(item.get("metadata"), dict) \
        and "resource_id" in item["metadata"]


def _defined(cls):
    """The names cls defines above DataSource (the original's or the runner's own)."""
    names = set()
    for c in cls.__mro__:
        if c is DataSource or (c.__name__ == "DataSource" and c.__module__.startswith("panoply")):
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
            reply = bridge.handle(req)
            if isinstance(reply, Encoded):
                _write(reply.text)
            else:
                send(reply)
        except BaseException as e:
            send(_error(e, "import" if isinstance(e, ImportError) else "exception"))
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                return 1
        if req.get("op") == "close":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
