"""Change-sequence paging shared by the order sources (e-shop, REST)."""

import copy


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
