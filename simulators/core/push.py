"""Webhook delivery: the outbox that sends a simulator's pushes from a background
thread, and a receiver that keeps what is POSTed to it (tests, demos)."""

import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


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


def post_push(url, raw, headers, timeout):
    """POST ``raw`` to ``url``: (the HTTP status, None), or (None, the error) when no
    answer came (refused, timed out...)."""
    try:
        resp = requests.post(url, data=raw, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        return None, str(exc)
    return resp.status_code, None


class PushOutbox:
    """A simulator's webhook deliveries: a FIFO queue of jobs and the daemon thread
    ``name`` that hands them one at a time to ``deliver(job)``. ``deliver`` runs
    without the simulator's lock (the receiver may call the simulator back)."""

    def __init__(self, name, deliver):
        self.name = name
        self.deliver = deliver
        self.queue = queue.Queue()
        self.thread = None

    def put(self, job):
        self.queue.put(job)

    def start(self):
        """Start the delivery thread, unless it runs."""
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(
                target=self._run, name=self.name, daemon=True
            )
            self.thread.start()

    def stop(self, timeout):
        """Stop the thread once the jobs queued so far are handed over (at most
        ``timeout`` seconds)."""
        if self.thread is not None and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(timeout=timeout)
        self.thread = None

    def wait(self, timeout):
        """Block until every queued job has been handed over; False on timeout."""
        deadline = time.time() + timeout
        while self.queue.unfinished_tasks and time.time() < deadline:
            time.sleep(0.01)
        return not self.queue.unfinished_tasks

    def _run(self):
        while True:
            job = self.queue.get()
            if job is None:
                self.queue.task_done()
                return
            self.deliver(job)
            self.queue.task_done()
