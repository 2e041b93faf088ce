"""What the simulators' tests share: the ``/_sim/*`` control API over HTTP, an HMAC
helper for the tests' own signing, and a wait."""

import hashlib
import hmac
import time

import requests

TIMEOUT = 10


def hmac_hex(key, msg):
    """Lowercase hex HMAC-SHA256 of ``msg`` (bytes) with ``key`` (str)."""
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()


def sim_post(sim, path, body=None):
    """The answer to ``POST /_sim/<path>`` with the JSON ``body``."""
    return requests.post(f"{sim.url}/_sim/{path}", json=body or {}, timeout=TIMEOUT)


def control(sim, path, body=None):
    """``POST /_sim/<path>``, which must succeed: its JSON answer."""
    resp = sim_post(sim, path, body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def state(sim):
    """The simulator's inspection view (``GET /_sim/state``)."""
    return requests.get(f"{sim.url}/_sim/state", timeout=TIMEOUT).json()


def advance(sim, seconds):
    """Move the simulated clock ``seconds`` forward."""
    requests.post(f"{sim.url}/_sim/clock", json={"advance": seconds}, timeout=TIMEOUT)


def wait_for(predicate, timeout=5):
    """Poll ``predicate`` until it is true (True) or ``timeout`` s pass (False)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
