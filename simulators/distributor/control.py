"""The distributors' ``/_sim/*`` control routes and the inspection view."""

from urllib.parse import unquote

from ..core import json_response, route


class DistributorControl:
    """Test controls (dispatch target, dispatch now, part changes), ``inspect()``."""

    # ---- control --------------------------------------------------------------------
    @route("POST", "/_sim/dispatch_config", api=False)
    def control_dispatch_config(self, req):
        payload = req.json()
        code = payload.get("code")
        if code:
            if code not in self.distributors:
                return json_response({"error": f"unknown distributor {code!r}"}, 404)
            self.distributors[code]["dispatch_url"] = payload.get("url")
        else:
            self.dispatch_url = payload.get("url")
        return json_response({"url": payload.get("url"), "code": code})

    @route("POST", "/_sim/{code}/orders/{po_id}/dispatch", api=False)
    def control_dispatch(self, req):
        code = req.params["code"]
        po = self.pos.get(code, {}).get(unquote(req.params["po_id"]))
        if po is None:
            return json_response({"error": "not_found"}, 404)
        if po["status"] not in ("accepted", "partial"):
            return json_response(
                {"error": "not_dispatchable", "status": po["status"]}, 409
            )
        record = self._dispatch_po(code, po)
        return json_response({"payload": record["payload"], "url": record["url"]})

    @route("POST", "/_sim/{code}/parts/{part}", api=False)
    def control_part(self, req):
        code = req.params["code"]
        if code not in self.parts:
            return json_response({"error": "not_found"}, 404)
        part = self._find_part(code, unquote(req.params["part"]))
        if part is None:
            return json_response({"error": "unknown part"}, 404)
        for key, value in req.json().items():
            if key in ("stock", "lead_time_days"):
                part[key] = int(value)
            elif key == "price":
                part[key] = round(float(value), 2)
        return json_response(dict(part))

    def inspect(self):
        with self.lock:
            return {
                "distributors": {
                    code: dict(dist, parts_count=len(self.parts[code]))
                    for code, dist in self.distributors.items()
                },
                "orders": {
                    code: {
                        po_id: self._po_view(po, raw=True) for po_id, po in pos.items()
                    }
                    for code, pos in self.pos.items()
                },
                "rejected_documents": {
                    code: list(docs) for code, docs in self.rejected_documents.items()
                },
                "stock": {
                    code: {number: dict(part) for number, part in parts.items()}
                    for code, parts in self.parts.items()
                },
                "dispatches": [
                    dict(record, attempts=list(record["attempts"]))
                    for record in self.dispatches
                ],
                "dispatch_url": self.dispatch_url,
                "period": self.period,
                "dispatch_after": self.dispatch_after,
                "drift_period": self.drift_period,
            }
