"""Seeded fault injection: the switches every simulator honours."""

import random


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
