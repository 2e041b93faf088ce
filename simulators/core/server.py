"""The base class of every simulator: a threaded HTTP server on loopback, its
routing table, the controllable clock and fault injection."""

import logging
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .control import ControlRoutes
from .faults import Faults
from .routing import Request, json_response

_logger = logging.getLogger(__name__)


class SimServer(ControlRoutes):
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
