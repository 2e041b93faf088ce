from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    dropship_tracking_ref = fields.Char(
        string="Distributor Tracking Number", copy=False, index=True
    )
    dropship_carrier = fields.Char(string="Distributor Carrier", copy=False)
    dropship_tracking_url = fields.Char(string="Distributor Tracking URL", copy=False)

    def _action_done(self):
        """A validated drop-ship delivery hands its tracking number to the sale
        order (``tracking_ref`` / ``courier_name``: the hook the channel connectors
        push to the channel); then omnichannel_orders invoices on dispatch."""
        # sudo: the order may be one the validating user cannot read
        for picking in self.sudo().filtered(
            lambda p: p.picking_type_code == "dropship" and p.sale_id
        ):
            tracking = picking.dropship_tracking_ref or (
                "carrier_tracking_ref" in picking._fields
                and picking.carrier_tracking_ref
            )
            if not tracking:
                continue
            vals = {"tracking_ref": tracking}
            if picking.dropship_carrier:
                vals["courier_name"] = picking.dropship_carrier
            order = picking.sale_id
            if any(order[key] != value for key, value in vals.items()):
                order.write(vals)
        return super()._action_done()

    def _dropship_validate_dispatch(self, tracking, carrier, quantities, url=None):
        """Validate this drop-ship picking as the distributor dispatched it:
        ``quantities`` maps purchase order lines to dispatched quantities (None:
        everything). What was not dispatched is not backordered."""
        self.ensure_one()
        vals = {"dropship_tracking_ref": tracking, "dropship_carrier": carrier}
        if url:
            vals["dropship_tracking_url"] = url
        if "carrier_tracking_ref" in self._fields:
            vals["carrier_tracking_ref"] = tracking
        self.write(vals)
        for move in self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            qty = move.product_uom_qty
            if quantities is not None:
                qty = min(quantities.get(move.purchase_line_id, 0.0), qty)
            move.quantity = qty
            move.picked = True
        return self.with_context(
            skip_backorder=True, picking_ids_not_to_backorder=self.ids
        ).button_validate()
