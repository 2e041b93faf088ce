"""What a marketplace has left to sell of each seller SKU, and its buyers' restraint.

A platform sells from the stock the seller last told it: the seller's stock update
sets a SKU's quantity, every order placed since takes its units away, and buyers
cannot put into their cart what is not there. :class:`SellerStock` keeps, per
seller SKU, the quantity last pushed (``pushed``, and per warehouse or location
when the push said), the units sold in orders created since (``sold_since_push``),
what is left (``available``) and the units orders took beyond what was left
(``oversold``, since the simulator's start: only an order forced through a control
call can do that, since buyers stop at 0).

A SKU no stock update has spoken of yet is not limited: a simulator behaves as it
did before it kept stock, until the seller pushes a quantity.

:meth:`SellerStock.fit` is the buyers' side: given the lines a buyer would order,
it keeps those there is stock for, orders fewer units of a SKU that has fewer left,
and replaces a SKU that has none left by another one in stock (or drops the line
when no other is). It draws from the simulator's random generator only when a line
must change, so that the orders of a seed stay what they were while nothing limits
them.
"""

import copy

from .. import data
from .routing import json_response, route


class SellerStock:
    """Pushed quantity, units sold since and oversold units, per seller SKU."""

    def __init__(self):
        self.entries = {}  # seller SKU -> {"pushed", "pushed_at", "locations", ...}

    # ---- seller side ---------------------------------------------------------------
    def push(self, sku, quantity, at, locations=None):
        """The seller set ``sku``'s quantity to ``quantity`` at ``at`` (epoch
        seconds); ``locations``: {warehouse or location id: quantity} when the
        update said (their total is the quantity)."""
        entry = self.entries.setdefault(sku, {"oversold": 0, "pushes": 0})
        entry.update(
            pushed=int(quantity),
            pushed_at=at,
            sold_since_push=0,
            locations=dict(locations or {}),
        )
        entry["pushes"] += 1

    def tracked(self, sku):
        return sku in self.entries

    def available(self, sku):
        """Units of ``sku`` left to sell, or None when no push limits it."""
        entry = self.entries.get(sku)
        if entry is None:
            return None
        return max(entry["pushed"] - entry["sold_since_push"], 0)

    def available_by_location(self, sku):
        """{location: units left} of a pushed SKU, the units sold taken from the
        locations in their order; None when no push limits it."""
        entry = self.entries.get(sku)
        if entry is None:
            return None
        if not entry["locations"]:
            return {"": self.available(sku)}
        left = {}
        sold = entry["sold_since_push"]
        for location, quantity in entry["locations"].items():
            taken = min(sold, quantity)
            left[location] = quantity - taken
            sold -= taken
        return left

    # ---- buyer side ----------------------------------------------------------------
    def sell(self, sku, quantity=1):
        """An order took ``quantity`` units of ``sku`` (counted only once the seller
        pushed a quantity); units beyond what was left count as oversold."""
        entry = self.entries.get(sku)
        if entry is None:
            return
        left = max(entry["pushed"] - entry["sold_since_push"], 0)
        entry["sold_since_push"] += quantity
        entry["oversold"] += max(quantity - left, 0)

    def fit(self, lines, rng, catalogue, substitute=True):
        """The lines a buyer can order of ``lines`` ([{"sku", "qty", ...}]): as
        they are while no SKU is limited; else fewer units where fewer are left, and
        (with ``substitute``) another SKU of ``catalogue`` in stock, not already in
        the order, instead of one that has none left. May be empty: the buyer
        orders nothing."""
        if not self.entries:
            return lines
        taken = {}
        fitted = []
        for line in lines:
            line = self._fit_line(
                line, taken, fitted, rng, catalogue if substitute else []
            )
            if line is not None:
                taken[line["sku"]] = taken.get(line["sku"], 0) + line["qty"]
                fitted.append(line)
        return fitted

    def _left(self, sku, taken):
        left = self.available(sku)
        return None if left is None else left - taken.get(sku, 0)

    def _in_stock(self, sku, taken):
        left = self._left(sku, taken)
        return left is None or left > 0

    def _fit_line(self, line, taken, fitted, rng, catalogue):
        left = self._left(line["sku"], taken)
        if left is None or left >= line["qty"]:
            return line
        if left > 0:
            return dict(line, qty=left)
        ordered = {other["sku"] for other in fitted} | {line["sku"]}
        others = [
            item
            for item in catalogue
            if item["sku"] not in ordered and self._in_stock(item["sku"], taken)
        ]
        if not others:
            return None
        other = rng.choice(others)
        left = self._left(other["sku"], taken)
        quantity = line["qty"] if left is None else min(line["qty"], left)
        return dict(other, qty=quantity)

    # ---- inspection ----------------------------------------------------------------
    def report(self):
        """{seller SKU: {"pushed", "pushed_at", "sold_since_push", "available",
        "oversold", "pushes", "locations"}} of every pushed SKU."""
        return {
            sku: dict(copy.deepcopy(entry), available=self.available(sku))
            for sku, entry in sorted(self.entries.items())
        }


class SellerStockRoutes:
    """The control side of :class:`SellerStock` for a simulator that keeps it in
    ``self.seller_stock``: ``GET /_sim/seller_stock`` and the lines a
    ``/_sim/orders/new`` call asks for."""

    @route("GET", "/_sim/seller_stock", api=False)
    def sim_seller_stock(self, req):
        return json_response({"skus": self.seller_stock.report()})

    @staticmethod
    def _requested_lines(body):
        """(lines, error) of a ``/_sim/orders/new`` body: its ``lines``
        ([{"sku", "qty"}], SKUs of the catalogue) as order lines, or None when it
        gives none (the buyers choose); an error message when they are not valid."""
        wanted = body.get("lines")
        if wanted is None:
            return None, None
        known = {item["sku"]: item for item in data.catalogue()}
        if not isinstance(wanted, list) or not wanted:
            return None, "lines must be a non-empty list of {sku, qty}"
        lines = []
        for line in wanted:
            sku = line.get("sku") if isinstance(line, dict) else None
            qty = line.get("qty", 1) if isinstance(line, dict) else None
            if sku not in known:
                return None, f"unknown sku {sku!r}"
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                return None, f"bad qty {qty!r} for {sku}"
            lines.append(dict(known[sku], qty=qty))
        return lines, None

    def _buyer_lines(self, lines=None, force=False, max_lines=4):
        """The lines of a new order: ``lines`` when a control call gives them,
        else what the seeded buyer picks (:func:`data.order_lines`); kept to the
        stock left (:meth:`SellerStock.fit`; given lines are not replaced by other
        SKUs) unless ``force``. Empty: the buyer orders nothing."""
        if lines is None:
            lines = data.order_lines(self.rng, max_lines=max_lines)
            substitute = True
        else:
            substitute = False
        if force:
            return lines
        return self.seller_stock.fit(
            lines, self.rng, data.catalogue(), substitute=substitute
        )
