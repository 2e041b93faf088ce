import json
import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class DropshipDispatch(models.Model):
    """A dispatch notification received from a distributor (one per event: a
    repeated notification is recognised and not processed twice)."""

    _name = "dropship.dispatch"
    _description = "Drop-ship Dispatch Notification"
    _order = "id desc"
    _rec_name = "event_id"

    distributor_id = fields.Many2one(
        comodel_name="dropship.distributor",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        related="distributor_id.company_id", store=True, index=True
    )
    event_id = fields.Char(required=True, readonly=True)
    po_ref = fields.Char(string="PO Reference", readonly=True, index=True)
    purchase_order_id = fields.Many2one(
        comodel_name="purchase.order", readonly=True, index=True
    )
    picking_id = fields.Many2one(comodel_name="stock.picking", readonly=True)
    carrier = fields.Char(readonly=True)
    tracking_number = fields.Char(readonly=True, index=True)
    tracking_url = fields.Char(readonly=True)
    dispatched_at = fields.Char(readonly=True)
    state = fields.Selection(
        selection=[
            ("done", "Processed"),
            ("ignored", "Nothing to do"),
            ("error", "Error"),
        ],
        readonly=True,
        index=True,
    )
    message = fields.Text(readonly=True)
    payload = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "distributor_event_uniq",
            "unique(distributor_id, event_id)",
            "This dispatch notification was already received.",
        ),
    ]

    @api.model
    def _process(self, distributor, payload):
        """Process a verified notification: validate the drop-ship picking of the
        PO with the tracking number. Returns (record, duplicate)."""
        event_id = str(payload.get("event_id") or "")
        existing = self.search(
            [("distributor_id", "=", distributor.id), ("event_id", "=", event_id)],
            limit=1,
        )
        if existing:
            return existing, True
        po_ref = str(payload.get("po_id") or "")
        order = self._dispatched_order(distributor, po_ref)
        record = self.create(
            {
                "distributor_id": distributor.id,
                "event_id": event_id,
                "po_ref": po_ref,
                "purchase_order_id": order.id,
                "carrier": payload.get("carrier"),
                "tracking_number": payload.get("tracking_number"),
                "tracking_url": payload.get("tracking_url"),
                "dispatched_at": payload.get("dispatched_at"),
                "payload": json.dumps(payload, indent=1, ensure_ascii=False),
            }
        )
        if not order:
            record.write(
                {
                    "state": "error",
                    "message": self.env._("Unknown purchase order %s", po_ref),
                }
            )
            _logger.warning(
                "Dispatch %s of %s: unknown PO %s", event_id, distributor.name, po_ref
            )
            return record, False
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "dropship"
            and p.state not in ("done", "cancel")
        )[:1]
        if not picking:
            record.write(
                {
                    "state": "ignored",
                    "message": self.env._("No drop-ship delivery left to validate."),
                }
            )
            return record, False
        record._validate_picking(picking, payload)
        return record, False

    @api.model
    def _dispatched_order(self, distributor, po_ref):
        """The purchase order ``po_ref`` of ``distributor`` (empty if unknown)."""
        return self.env["purchase.order"].search(
            [
                ("name", "=", po_ref),
                ("company_id", "=", distributor.company_id.id),
                ("partner_id", "child_of", distributor.partner_id.id),
            ],
            limit=1,
        )

    @api.model
    def _dispatched_quantities(self, order, payload):
        """``{purchase line: quantity}`` of the notification's lines (matched by
        their line numbers in the document), or ``None`` when it has none: all
        was dispatched."""
        if not payload.get("lines"):
            return None
        lines = self.env["dropship.po.document"]._lines(order)
        by_number = {str(number): line for number, line in lines}
        quantities = {}
        for item in payload["lines"]:
            line = by_number.get(str(item.get("line_id")))
            if line:
                quantities[line] = quantities.get(line, 0.0) + float(
                    item.get("quantity") or 0.0
                )
        return quantities

    def _validate_picking(self, picking, payload):
        """Validate the drop-ship ``picking`` of this notification's purchase
        order as dispatched, with its tracking number."""
        self.ensure_one()
        order = self.purchase_order_id
        picking._dropship_validate_dispatch(
            payload.get("tracking_number"),
            payload.get("carrier"),
            self._dispatched_quantities(order, payload),
            url=payload.get("tracking_url"),
        )
        self.write({"state": "done", "picking_id": picking.id})
        order.message_post(
            body=self.env._(
                "Dispatched by %(dist)s: %(carrier)s %(tracking)s",
                dist=self.distributor_id.name,
                carrier=payload.get("carrier") or "",
                tracking=payload.get("tracking_number") or "",
            )
        )
