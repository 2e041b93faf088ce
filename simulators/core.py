"""Shared machinery of the simulators: an HTTP server on loopback, a routing table,
a controllable clock, seeded fault injection and an inspection/control API.

Nothing here imports Odoo. Every simulator subclasses :class:`SimServer`, declares its
routes with :func:`route`, and keeps its state in plain Python objects guarded by
``self.lock``.

Control API (available on every simulator, never on a real platform):

- ``GET  /_sim/state``   the simulator's inspection view (``inspect()``), as JSON
- ``POST /_sim/faults``  JSON body replaces the fault switches (see :class:`Faults`)
- ``POST /_sim/clock``   ``{"advance": seconds}`` moves the simulated clock forward
- ``POST /_sim/reset``   regenerate the initial state from the seed
"""

import copy
import datetime
import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

_logger = logging.getLogger(__name__)


def hmac_sha256_hex(key, msg, upper=False):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(msg, str):
        msg = msg.encode()
    digest = hmac.new(key, msg, hashlib.sha256).hexdigest()
    return digest.upper() if upper else digest


def constant_time_equal(a, b):
    return hmac.compare_digest((a or "").encode(), (b or "").encode())


def iso_utc(ts):
    """Epoch seconds -> ISO 8601 in UTC to the second, ``Z``-suffixed."""
    return (
        datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )


def pdf_escape(text):
    """``text`` for a PDF literal string: backslashes and parentheses escaped."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_file(objects):
    """A PDF 1.4 file of ``objects`` (their bodies as bytes, numbered from 1, the
    catalog first) with its cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def a6_pdf(stream, font=b""):
    """A one-page A6 PDF of the content ``stream`` (bytes), its text in Helvetica
    (``font``: more entries of the font dictionary)."""
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica" + font + b" >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ]
    )


class Faults:
    """Fault switches. A SPEC string is ``name=value`` pairs separated by commas, e.g.
    ``latency=0.05,rate_5xx=0.2,burst_429=3,retry_after=1,timeout=0.1,malformed=0.05``.

    - ``latency``      seconds added to every API response
    - ``rate_5xx``     probability that an API call answers HTTP 500/503
    - ``rate_429``     probability that an API call starts a burst of 429 answers
    - ``burst_429``    how many consecutive calls a 429 burst lasts (default 1)
    - ``retry_after``  seconds sent in the Retry-After header of a 429 (default 1)
    - ``timeout``      probability that a call hangs ``timeout_seconds`` first
    - ``timeout_seconds`` how long a timed-out call hangs (default 5)
    - ``malformed``    probability that a record inside a page is malformed
    - ``duplicates``   probability that a record is repeated (page or push)
    - ``out_of_order`` probability that a stale (older) version of a record is served
    - ``expire_tokens`` 1 = every access token issued so far is expired now
    - ``busy``         how many of the next API calls answer "busy, try again later"
      in the platform's shape (``fault_response_busy()``; HTTP 503 by default)
    """

    FLOATS = (
        "latency",
        "rate_5xx",
        "rate_429",
        "retry_after",
        "timeout",
        "timeout_seconds",
        "malformed",
        "duplicates",
        "out_of_order",
    )
    INTS = ("burst_429", "expire_tokens", "busy")
    DEFAULTS = {"burst_429": 1, "retry_after": 1.0, "timeout_seconds": 5.0}

    def __init__(self, spec=None, seed=0):
        self.values = {}
        self.rng = random.Random(f"faults-{seed}")
        self.burst_left = 0
        self.busy_left = 0
        self.fired = {}
        self.update(spec or {})

    @classmethod
    def parse(cls, spec):
        values = {}
        for part in filter(None, (p.strip() for p in (spec or "").split(","))):
            if "=" not in part:
                raise ValueError(f"fault spec item {part!r} is not name=value")
            name, value = (x.strip() for x in part.split("=", 1))
            if name not in cls.FLOATS + cls.INTS:
                raise ValueError(f"unknown fault {name!r}")
            values[name] = int(value) if name in cls.INTS else float(value)
        return values

    def update(self, spec):
        values = self.parse(spec) if isinstance(spec, str) else dict(spec)
        for name in values:
            if name not in self.FLOATS + self.INTS:
                raise ValueError(f"unknown fault {name!r}")
        self.values = values
        self.burst_left = 0
        self.busy_left = int(values.get("busy") or 0)

    def get(self, name):
        return self.values.get(name, self.DEFAULTS.get(name, 0))

    def roll(self, name):
        """True with the probability of fault ``name`` (counted in ``fired``)."""
        rate = self.get(name)
        hit = bool(rate) and self.rng.random() < rate
        if hit:
            self.fired[name] = self.fired.get(name, 0) + 1
        return hit

    def as_dict(self):
        return {"values": dict(self.values), "fired": dict(self.fired)}


class Request:
    def __init__(self, method, path, query, headers, body, client):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client
        self.params = {}

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))

    def form(self):
        if self.content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        return {}

    def text(self):
        return self.body.decode("utf-8")


class Response:
    def __init__(
        self, status=200, body=b"", content_type="application/json", headers=None
    ):
        self.status = status
        if isinstance(body, dict | list):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = {"Content-Type": content_type}
        self.headers.update(headers or {})


def json_response(data, status=200, headers=None):
    return Response(status, data, "application/json; charset=utf-8", headers)


def route(method, pattern, api=True):
    """Declare a handler: ``pattern`` is a path with ``{name}`` placeholders,
    ``method`` one HTTP method or a tuple of them. ``api=False`` exempts the route
    from fault injection (auth pages, control). A handler may have several routes
    (the decorator stacks)."""
    methods = (method,) if isinstance(method, str) else tuple(method)

    def decorator(func):
        func._sim_routes = [(verb.upper(), pattern, api) for verb in methods] + getattr(
            func, "_sim_routes", []
        )
        return func

    return decorator


class SimServer:
    """Base class of every simulator. Subclasses set ``name`` and implement
    ``setup_state()`` (build the initial state from ``self.rng``), ``inspect()``, and
    optionally ``tick()`` (let time-driven state move, e.g. shipped -> delivered),
    and the hooks ``fault_response_429()`` / ``fault_response_5xx()`` /
    ``fault_response_busy()`` to answer in the platform's own error shape."""

    name = "sim"

    def __init__(
        self, port=0, orders=50, seed=1, faults=None, host="127.0.0.1", **options
    ):
        self.host = host
        self.port = port
        self.order_count = orders
        self.seed = seed
        self.options = options
        self.lock = threading.RLock()
        self.faults = Faults(faults, seed)
        self.clock_offset = 0.0
        self.calls = []  # (method, path) of every API call, for inspection
        self.httpd = None
        self.thread = None
        self._routes = []
        for attr in dir(type(self)):
            func = getattr(type(self), attr)
            for method, pattern, api in getattr(func, "_sim_routes", ()):
                regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$"
                self._routes.append(
                    (method, re.compile(regex), api, getattr(self, attr))
                )
        self.reset()

    # ---- clock and state -------------------------------------------------------------
    def now(self):
        """Simulated time (epoch seconds, float)."""
        return time.time() + self.clock_offset

    def advance(self, seconds):
        with self.lock:
            self.clock_offset += float(seconds)
            self.tick()

    def reset(self):
        with self.lock:
            self.rng = random.Random(f"{self.name}-{self.seed}")
            self.calls = []
            self.setup_state()

    def setup_state(self):
        """Build the initial state (override)."""

    def tick(self):
        """Move time-driven state forward (override)."""

    def inspect(self):
        """What tests may read: statuses, tracking numbers, stock, POs... (override)."""
        return {}

    # ---- fault answers in the platform's shape (override) ----
    def fault_response_429(self):
        return json_response(
            {"error": "too_many_requests"},
            429,
            {"Retry-After": str(int(self.faults.get("retry_after")))},
        )

    def fault_response_5xx(self):
        return json_response({"error": "server_error"}, 503)

    def fault_response_busy(self):
        return self.fault_response_5xx()

    # ---- server lifecycle ------------------------------------------------------------
    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in separate sends

            def log_message(self, fmt, *args):
                _logger.debug("%s: " + fmt, server.name, *args)

            def _handle(self):
                server._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"sim-{self.name}", daemon=True
        )
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- dispatching -----------------------------------------------------------------
    def _dispatch(self, handler):
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        req = Request(
            handler.command,
            split.path,
            query,
            handler.headers,
            body,
            handler.client_address,
        )
        try:
            resp = self._route_request(req)
        except Exception as exc:  # a bug in a simulator must show, not hang the client
            _logger.exception(
                "%s: error while handling %s %s", self.name, req.method, req.path
            )
            resp = json_response({"error": "simulator_error", "message": str(exc)}, 500)
        try:
            handler.send_response(resp.status)
            for key, value in resp.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(resp.body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            # the client gave up (its timeout, e.g. under the timeout fault)
            handler.close_connection = True

    def _route_request(self, req):
        if req.path.startswith("/_sim/"):
            resp = self._control(req)
            if resp.status != 404:
                return resp
        for method, regex, api, func in self._routes:
            match = regex.match(req.path)
            if match and method == req.method:
                req.params = match.groupdict()
                if api:
                    fault = self._inject_faults()
                    if fault is not None:
                        return fault
                    with self.lock:
                        self.calls.append((req.method, req.path))
                        self.tick()
                with self.lock:
                    return func(req)
        return json_response(
            {"error": "not_found", "message": f"no route {req.method} {req.path}"}, 404
        )

    def _inject_faults(self):
        faults = self.faults
        latency = faults.get("latency")
        if latency:
            time.sleep(latency)
        with self.lock:
            if faults.busy_left > 0:
                faults.busy_left -= 1
                faults.fired["busy"] = faults.fired.get("busy", 0) + 1
                return self.fault_response_busy()
            if faults.burst_left > 0:
                faults.burst_left -= 1
                faults.fired["burst_429"] = faults.fired.get("burst_429", 0) + 1
                return self.fault_response_429()
            if faults.roll("rate_429"):
                faults.burst_left = max(int(faults.get("burst_429")) - 1, 0)
                return self.fault_response_429()
            if faults.roll("rate_5xx"):
                return self.fault_response_5xx()
            hang = faults.roll("timeout")
        if hang:
            time.sleep(faults.get("timeout_seconds"))
        return None

    def _control(self, req):
        with self.lock:
            if req.path == "/_sim/state" and req.method == "GET":
                state = self.inspect()
                state["faults"] = self.faults.as_dict()
                state["clock"] = self.now()
                return json_response(state)
            if req.path == "/_sim/faults" and req.method == "POST":
                try:
                    self.faults.update(req.json())
                except ValueError as exc:
                    return json_response({"error": str(exc)}, 400)
                return json_response(self.faults.as_dict())
            if req.path == "/_sim/clock" and req.method == "POST":
                self.advance(req.json().get("advance", 0))
                return json_response({"clock": self.now()})
            if req.path == "/_sim/reset" and req.method == "POST":
                self.reset()
                return json_response({"reset": True})
        return json_response({"error": "not_found"}, 404)


class PushReceiver:
    """A loopback HTTP endpoint at ``path`` keeping what is POSTed to it (pushes,
    webhooks, dispatch notifications) as ``received`` (headers dict, body bytes),
    answering ``status`` with an empty body; ``event`` is set on every POST.
    For tests and demos: the counterpart of the simulators' pushes."""

    def __init__(self, path="/push", status=200):
        self.received = []
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append((dict(self.headers.items()), body))
                receiver.event.set()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class OrderFeedMixin:
    """For the simulators of order sources paged by a change sequence (e-shop,
    REST): ``self.seq`` is the last change number, ``self.history[order_id]`` the
    versions of each order (snapshots carrying their ``version``); subclasses
    implement ``_auth(req)`` and ``_find(req)`` (the path's ``order_id``)."""

    def _next_seq(self):
        self.seq += 1
        return self.seq

    def _snapshot(self, order):
        self.history[order["id"]].append(copy.deepcopy(order))

    def _requeue(self, order):
        """A new change number for ``order`` served malformed: its good copy
        follows at a later cursor position."""
        order["version"] = self._next_seq()
        self.history[order["id"]][-1]["version"] = order["version"]

    def _serve_versions(self, order, record, render, out, served):
        """Append ``record`` (``order`` as served) to ``out`` and, as the faults
        fire, a duplicate of it and a stale earlier version (``render`` of an
        older snapshot), each noted in ``served``."""
        out.append(record)
        if self.faults.roll("duplicates"):
            out.append(copy.deepcopy(record))
            served["duplicates"].append(order["id"])
        older = [
            s for s in self.history[order["id"]] if s["version"] < order["version"]
        ]
        if older and self.faults.roll("out_of_order"):
            out.append(render(self.rng.choice(older)))
            served["stale"].append(order["id"])

    def _authorised_order(self, req):
        """(the path's order, None) of an authorised call, else (None, the
        refusal)."""
        denied = self._auth(req)
        if denied:
            return None, denied
        return self._find(req)
