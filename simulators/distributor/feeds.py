"""Stock and price feeds (CSV, XML) and the real-time availability API."""

import csv
import io
from xml.sax.saxutils import escape

from ..core import Response, json_response, route
from .acks import _iso, _money
from .common import FEED_COLUMNS, REALTIME_MAX_PARTS


class DistributorFeeds:
    """The feed rows (with their faults) and the real-time queries."""

    # ---- feeds ----------------------------------------------------------------------
    def _feed_rows(self, dist):
        rows = []
        band = dist.get("stock_band")
        for part in self.parts[dist["code"]].values():
            stock = part["stock"]
            row = {
                "part_number": part["part_number"],
                "mpn": part["mpn"],
                "brand": part["brand"],
                "description": part["description"],
                "ean": part["ean"],
                "category": part["category"],
                "stock": f">{band}" if band and stock > band else str(stock),
                "price": _money(part["price"]),
                "rrp": _money(part["rrp"]),
                "currency": dist["currency"],
                "lead_time_days": str(part["lead_time_days"]),
                "weight_kg": f"{part['weight_kg']:.3f}",
            }
            if self.faults.roll("malformed"):
                self._corrupt(row)
            rows.append(row)
            if self.faults.roll("duplicates"):
                rows.append(dict(row))
        return rows

    def _corrupt(self, row):
        kind = self.faults.rng.randrange(5)
        if kind == 0:
            row["part_number"] = ""
        elif kind == 1:
            row["stock"] = "n/a"
        elif kind == 2:
            row["price"] = row["price"].replace(".", ",") + ".00"
        elif kind == 3:
            row["price"] = ""
        else:
            row["stock"] = "twelve"

    def _feed_headers(self):
        generated = self.t0 + self.period * self.drift_period
        return {"X-Feed-Generated": _iso(generated), "Cache-Control": "no-cache"}

    @route("GET", "/{code}/feed.csv")
    def feed_csv(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        out = io.StringIO()
        writer = csv.DictWriter(out, FEED_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self._feed_rows(dist))
        return Response(
            200, out.getvalue(), "text/csv; charset=utf-8", self._feed_headers()
        )

    @route("GET", "/{code}/feed.xml")
    def feed_xml(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        generated = self._feed_headers()["X-Feed-Generated"]
        chunks = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<feed distributor="{escape(dist["code"])}" generated="{generated}" '
            f'currency="{dist["currency"]}">\n'
        ]
        for row in self._feed_rows(dist):
            fields = "".join(
                f"<{col}>{escape(row[col])}</{col}>" for col in FEED_COLUMNS
            )
            chunks.append(f"  <product>{fields}</product>\n")
        chunks.append("</feed>\n")
        return Response(
            200, "".join(chunks), "application/xml; charset=utf-8", self._feed_headers()
        )

    # ---- real-time ------------------------------------------------------------------
    @route("GET", "/{code}/realtime")
    def realtime_get(self, req):
        return self._realtime(req)

    @route("POST", "/{code}/realtime")
    def realtime_post(self, req):
        return self._realtime(req)

    def _realtime_parts(self, req):
        if req.body:
            try:
                payload = req.json()
            except ValueError:
                return None
            parts = payload.get("parts") if isinstance(payload, dict) else None
            if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
                return [p.strip() for p in parts if p.strip()]
            return None
        return [p.strip() for p in req.query.get("parts", "").split(",") if p.strip()]

    def _realtime(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        if not dist["realtime"]:
            return json_response(
                {
                    "error": "realtime_not_supported",
                    "message": f"{dist['code']} does not answer real-time stock/price "
                    f"queries; use the hourly feed /{dist['code']}/feed.csv",
                },
                501,
            )
        parts = self._realtime_parts(req)
        if not parts or len(parts) > REALTIME_MAX_PARTS:
            return json_response(
                {
                    "error": "invalid_request",
                    "message": "give 1 to 50 part numbers: ?parts=A,B or JSON "
                    '{"parts": ["A", "B"]}',
                },
                400,
            )
        results = []
        for ref in parts:
            part = self._find_part(dist["code"], ref)
            if part is None:
                results.append(
                    {"requested": ref, "found": False, "status": "unknown_part"}
                )
                continue
            results.append(
                {
                    "requested": ref,
                    "found": True,
                    "status": "in_stock" if part["stock"] else "out_of_stock",
                    "part_number": part["part_number"],
                    "mpn": part["mpn"],
                    "stock": part["stock"],
                    "price": part["price"],
                    "currency": dist["currency"],
                    "lead_time_days": part["lead_time_days"],
                    "weight_kg": part["weight_kg"],
                }
            )
        return json_response(
            {"distributor": dist["code"], "as_of": _iso(self.now()), "results": results}
        )
