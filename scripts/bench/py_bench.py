#!/usr/bin/env python3
"""Python side of scripts/bench.sh: the original panoply-python-sdk 3.2.0 and a raw SQS client.

  py_bench.py write N SRC                  SDK.write() into its queue (urlopen replaced by a no-op)
  py_bench.py e2e N SRC QUEUE_URL          the original SDK end to end; urlopen is wrapped to
                                           send to QUEUE_URL with a SigV4 signature (body unchanged)
  py_bench.py raw N QUEUE_URL              minimal client: signed JSON-protocol SendMessage of
                                           full ~256 KiB messages of the same records, keep-alive
  py_bench.py mkqueue ENDPOINT NAME        create a queue on moto, print its URL
  py_bench.py rmqueue QUEUE_URL            delete it
  py_bench.py depth QUEUE_URL              ApproximateNumberOfMessages
  py_bench.py sinkconf PORT PREFIX BPORT [TLSPORT CERTDIR MOTOTLSPORT MOTOURL]
                                            print the nginx null-sink config (batches go to BPORT);
                                            with TLSPORT the same sink also over TLS (CERTDIR/good.pem),
                                            and MOTOTLSPORT terminates TLS in front of MOTOURL
  py_bench.py batchsink PORT                answer SendMessageBatch with an entry per Id

Each bench mode prints one line of JSON. SRC is a checkout of the original SDK (never committed).
"""
import importlib
import json
import os
import resource
import sys
import threading
import time
import types
import urllib.parse
import urllib.request

APIKEY = "acme/r1key"
APISECRET = "cm5kMmFiYy8wZjhlNWIyYy0xMTExLTIyMjItMzMzMy00NDQ0NTU1NTY2NjYvMTIzNDU2Nzg5MDEyL3VzLWVhc3QtMQ=="
REGION = "us-east-1"


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def record(i):
    """Same as Sources/PanoplyBench/BenchRecords.swift."""
    rid = 100000 + i
    return {
        "id": rid,
        "name": "User %d" % rid,
        "email": "user%d@example.com" % rid,
        "score": ((i * 37) % 10000) / 100 + 0.25,
        "flags": {"active": i % 2 == 0, "vip": i % 7 == 0},
        "timestamp": "2024-05-01T12:%02d:%02d.%03dZ" % ((i // 60) % 60, i % 60, (i * 7) % 1000),
        "addr": {"city": "Oslo", "zip": "%05d" % (10000 + i % 90000)},
    }


RECORDS = [record(i) for i in range(1000)]


def load_sdk(src):
    # Import panoply/sdk.py without panoply/__init__.py (which pulls in paramiko for SSH).
    pkg = types.ModuleType("panoply")
    pkg.__path__ = [os.path.join(src, "panoply")]
    sys.modules["panoply"] = pkg
    mod = importlib.import_module("panoply.sdk")
    mod.print = lambda *a, **k: None  # the original prints "SENDING NOW" per message
    return mod


def signer():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    creds = Credentials("testing", "testing")

    def sign(url, body, headers):
        ar = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(creds, "sqs", REGION).add_auth(ar)
        return dict(ar.headers.items())

    return sign


def bench_write(n, src):
    sdkmod = load_sdk(src)

    class Res:
        def read(self):
            return b""

    urllib.request.urlopen = lambda req, *a, **k: Res()
    sdk = sdkmod.SDK(APIKEY, APISECRET)
    c0, t0 = cpu(), time.perf_counter()
    for i in range(n):
        sdk.write("events", RECORDS[i % 1000])
    wall, c = time.perf_counter() - t0, cpu() - c0
    print(json.dumps({"records": n, "seconds": wall, "cpu_seconds": c, "records_per_s": n / wall}))


def bench_e2e(n, src, queue_url):
    sdkmod = load_sdk(src)
    sign = signer()
    orig = urllib.request.urlopen
    lock = threading.Lock()
    state = {"records": 0, "messages": 0, "bytes": 0, "errors": 0}
    done = threading.Event()

    def signed_urlopen(req, *a, **k):
        body = req.data  # exactly what the original built; only headers are added
        headers = {"Content-Type": req.get_header("Content-type")}
        headers.update(sign(queue_url, body, headers))
        new = urllib.request.Request(queue_url, data=body, headers=headers, method="POST")
        res = orig(new, *a, **k)
        res.read()
        with lock:
            state["messages"] += 1
            state["bytes"] += len(body)
            state["records"] += body.count(b"\n\n")
            if state["records"] >= n:
                done.set()
        return res

    urllib.request.urlopen = signed_urlopen
    sdk = sdkmod.SDK(APIKEY, APISECRET)

    def on_error(err):
        state["errors"] += 1
        sys.stderr.write("python sdk error: %r\n" % (err,))
        done.set()

    sdk.on("error", on_error)
    c0, t0 = cpu(), time.perf_counter()
    for i in range(n):
        sdk.write("events", RECORDS[i % 1000])
    tw = time.perf_counter() - t0
    done.wait(600)
    wall, c = time.perf_counter() - t0, cpu() - c0
    print(json.dumps({"records": state["records"], "seconds": wall, "write_seconds": tw, "cpu_seconds": c,
                      "records_per_s": state["records"] / wall, "messages": state["messages"],
                      "errors": state["errors"], "complete": done.is_set() and state["records"] >= n}))


def raw_messages(n):
    """Full messages of the same records, as the Swift SDK frames them (compact JSON + "\\n\\n")."""
    attrs = {"key": APIKEY, "secret": APISECRET, "sdk": "panoply-swift-raw"}
    limit = 262144 - sum(len(k) + len("String") + len(v) for k, v in attrs.items())
    msgs, cur, count, counts = [], [], 0, []
    size = 0
    for i in range(n):
        r = dict(RECORDS[i % 1000])
        r["__table"] = "events"
        line = json.dumps(r, separators=(",", ":")).encode() + b"\n\n"
        if size + len(line) > limit:
            msgs.append(b"".join(cur))
            counts.append(count)
            cur, size, count = [], 0, 0
        cur.append(line)
        size += len(line)
        count += 1
    if cur:
        msgs.append(b"".join(cur))
        counts.append(count)
    mattrs = {k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()}
    return msgs, counts, mattrs


def bench_raw(n, queue_url):
    import requests

    sign = signer()
    msgs, counts, mattrs = raw_messages(n)
    root = urllib.parse.urlunsplit(urllib.parse.urlsplit(queue_url)[:2] + ("/", "", ""))
    s = requests.Session()
    c0, t0 = cpu(), time.perf_counter()
    sent = 0
    for m, cnt in zip(msgs, counts):
        body = json.dumps({"QueueUrl": queue_url, "MessageBody": m.decode(), "MessageAttributes": mattrs}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"}
        headers.update(sign(root, body, headers))
        r = s.post(root, data=body, headers=headers)
        if r.status_code != 200 or "MessageId" not in r.text:
            raise SystemExit("raw send failed: %d %s" % (r.status_code, r.text[:300]))
        sent += cnt
    wall, c = time.perf_counter() - t0, cpu() - c0
    print(json.dumps({"records": sent, "seconds": wall, "cpu_seconds": c, "records_per_s": sent / wall,
                      "messages": len(msgs)}))


def client(endpoint):
    import botocore.session

    return botocore.session.get_session().create_client(
        "sqs", region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing")


def sink_conf(port, prefix, batch_port, tls_port=None, cert_dir=None, moto_tls_port=None, moto_url=None):
    single_json = '{"MD5OfMessageBody":"0","MessageId":"x"}'
    single_xml = ('<SendMessageResponse><SendMessageResult><MD5OfMessageBody>0</MD5OfMessageBody>'
                  '<MessageId>x</MessageId></SendMessageResult><ResponseMetadata><RequestId>r</RequestId>'
                  '</ResponseMetadata></SendMessageResponse>')
    # nginx answers SendMessage itself with a fixed response. It cannot read the ids in a
    # SendMessageBatch body, so those requests (JSON protocol) go to `batchsink`, which
    # answers with one success entry per id, as SQS does. Only one `if` may match, and no
    # `return` may stand outside them: nginx runs every `return` it reaches. Query-protocol
    # batches are not served: bench runs to the sink with Query send single messages.
    tls = ""
    moto_tls = ""
    if tls_port:
        tls = """
        listen 127.0.0.1:%s ssl;
        ssl_certificate %s/good.pem;
        ssl_certificate_key %s/good.key;""" % (tls_port, cert_dir, cert_dir)
        moto_tls = """
    upstream moto { server %s; keepalive 16; }
    server {
        listen 127.0.0.1:%s ssl;
        ssl_certificate %s/good.pem;
        ssl_certificate_key %s/good.key;
        client_max_body_size 4m;
        # Bodies stay in memory: a worker (user nobody) cannot write the temp folder (0700).
        client_body_buffer_size 1100k;
        location / {
            proxy_pass http://moto;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }
    }""" % (moto_url.replace("http://", ""), moto_tls_port, cert_dir, cert_dir)
    print("""worker_processes 1;
pid %(prefix)s/nginx.pid;
error_log %(prefix)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(prefix)s/body;
    proxy_temp_path %(prefix)s/proxy;
    fastcgi_temp_path %(prefix)s/fastcgi;
    uwsgi_temp_path %(prefix)s/uwsgi;
    scgi_temp_path %(prefix)s/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:1m;%(moto_tls)s
    server {
        listen 127.0.0.1:%(port)s;%(tls)s
        client_max_body_size 4m;
        client_body_buffer_size 1100k;
        location / {
            if ($http_x_amz_target = "AmazonSQS.SendMessageBatch") {
                proxy_pass http://127.0.0.1:%(batch_port)s;
            }
            if ($http_x_amz_target = "AmazonSQS.SendMessage") {
                return 200 '%(single_json)s';
            }
            if ($http_x_amz_target = "") {
                return 200 '%(single_xml)s';
            }
        }
    }
}""" % dict(prefix=prefix, port=port, batch_port=batch_port, single_json=single_json, single_xml=single_xml,
            tls=tls, moto_tls=moto_tls))


def batch_sink(port):
    """Answers JSON-protocol SendMessageBatch requests with a success entry per Id."""
    import http.server
    import re
    ids = re.compile(rb'"Id":"([^"]+)"')

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            entries = ",".join('{"Id":"%s","MessageId":"x","MD5OfMessageBody":"0"}' % i.decode()
                               for i in ids.findall(body))
            out = ('{"Successful":[%s],"Failed":[]}' % entries).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


def main():
    mode = sys.argv[1]
    if mode == "write":
        bench_write(int(sys.argv[2]), sys.argv[3])
    elif mode == "e2e":
        bench_e2e(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif mode == "raw":
        bench_raw(int(sys.argv[2]), sys.argv[3])
    elif mode == "mkqueue":
        print(client(sys.argv[2]).create_queue(QueueName=sys.argv[3])["QueueUrl"])
    elif mode == "rmqueue":
        u = sys.argv[2]
        client(urllib.parse.urlunsplit(urllib.parse.urlsplit(u)[:2] + ("", "", ""))).delete_queue(QueueUrl=u)
    elif mode == "depth":
        u = sys.argv[2]
        a = client(urllib.parse.urlunsplit(urllib.parse.urlsplit(u)[:2] + ("", "", ""))).get_queue_attributes(
            QueueUrl=u, AttributeNames=["ApproximateNumberOfMessages"])
        print(a["Attributes"]["ApproximateNumberOfMessages"])
    elif mode == "sinkconf":
        sink_conf(*sys.argv[2:9])
    elif mode == "batchsink":
        batch_sink(sys.argv[2])
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
