"""The ``/_sim/*`` control routes every simulator answers (never a real platform):
state, faults, clock, reset and the calls answered."""

from collections import Counter

from .routing import json_response


class ControlRoutes:
    """``/_sim/state`` and ``/_sim/calls`` (GET), ``/_sim/faults``, ``/_sim/clock``
    and ``/_sim/reset`` (POST), answered before the simulator's own routes.
    ``/_sim/calls`` counts the API calls answered since the reset, per
    ``"METHOD path"`` (``by_path``) and in all (``total``)."""

    def _control(self, req):
        with self.lock:
            if req.path == "/_sim/state" and req.method == "GET":
                state = self.inspect()
                state["faults"] = self.faults.as_dict()
                state["clock"] = self.now()
                return json_response(state)
            if req.path == "/_sim/calls" and req.method == "GET":
                counts = Counter(f"{method} {path}" for method, path in self.calls)
                return json_response(
                    {"total": len(self.calls), "by_path": dict(sorted(counts.items()))}
                )
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
