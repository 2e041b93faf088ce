"""sale.order: the bulk hooks of the order desk: arrange shipment, shipping label."""

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ bulk hooks
    def _omni_arrange_shipment(self, params):
        """Arrange the shipment of these confirmed orders (bulk action): ``params``
        holds ``method`` (pickup / dropoff / manual), ``pickup_date`` (ISO date),
        ``time_slot``, ``address_id`` (pickup location) and ``tracking_ref``.

        Without a connector, the order desk records it: the courier, the tracking
        number given, and the delivery is scheduled on the pickup date. Extension
        point: channel_connectors arranges it on the channel for its orders."""
        vals = {}
        if params.get("tracking_ref"):
            vals["tracking_ref"] = params["tracking_ref"]
        if params.get("courier"):
            vals["courier_name"] = params["courier"]
        if vals:
            self.write(vals)
        if params.get("pickup_date"):
            self.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
                and p.picking_type_code == "outgoing"
            ).write({"scheduled_date": params["pickup_date"]})
        self._omni_log_event(
            "picking",
            self.env._(
                "Shipment arranged: %(method)s %(date)s %(slot)s",
                method=params.get("method") or "",
                date=params.get("pickup_date") or "",
                slot=params.get("time_slot") or "",
            ),
            to_value=params.get("tracking_ref") or False,
        )
        return True

    def _omni_get_label(self):
        """The shipping label of this order, as a PDF attachment (bulk "Print
        labels"): the newest PDF attached to the order whose name starts with
        "label". Extension point: channel_connectors fetches it from the channel."""
        self.ensure_one()
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("name", "=ilike", "label%"),
                ("mimetype", "=", "application/pdf"),
            ],
            order="id desc",
            limit=1,
        )
