from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    channel_sku = fields.Char(string="Channel SKU", copy=False, index=True)
    channel_item_ref = fields.Char(string="Channel Item ID", copy=False)
    is_unlinked = fields.Boolean(
        string="Unlinked",
        compute="_compute_is_unlinked",
        store=True,
        index=True,
        help="The channel's SKU has no product yet: the line flows with a "
        "placeholder and moves no stock until the SKU is linked.",
    )

    @api.depends("product_id")
    def _compute_is_unlinked(self):
        placeholder = self.env.ref(
            "omnichannel_orders.product_unlinked_channel_item", raise_if_not_found=False
        )
        for line in self:
            line.is_unlinked = bool(placeholder) and line.product_id == placeholder

    @api.depends("channel_sku", "order_id.channel_id.invoice_policy")
    def _compute_qty_to_invoice(self):
        """On channels that invoice on dispatch, goods are invoiced as they are
        delivered, whatever the product's own policy: exactly once per dispatched
        quantity. On channels that invoice on confirmation, the ordered quantity."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            policy = line.order_id.channel_id.invoice_policy
            if line.state != "sale" or line.display_type or not policy:
                continue
            if policy == "dispatch" and line.product_id.type == "consu":
                line.qty_to_invoice = line.qty_delivered - line.qty_invoiced
            elif policy == "confirm":
                line.qty_to_invoice = line.product_uom_qty - line.qty_invoiced
        return res

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse(
            {
                vals["order_id"]
                for vals in vals_list
                if vals.get("order_id") and not self._omni_is_odoo_flow_line(vals)
            }
        )
        orders._omni_check_locked({"order_line"})
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) & set(self._get_protected_fields()):
            self._omni_check_lines_locked()
        return super().write(vals)

    def unlink(self):
        self._omni_check_lines_locked()
        return super().unlink()

    @api.model
    def _omni_is_odoo_flow_line(self, vals):
        """Lines that Odoo's own flows add to a confirmed order, which a fulfilled
        channel order must accept like any other: down payments (and their
        section), re-invoiced expenses, and the lines a delivery or a return
        writes back for a product that was not on the order (``sale_stock``)."""
        return bool(
            vals.get("is_downpayment") or vals.get("is_expense") or vals.get("move_ids")
        )

    def _omni_check_lines_locked(self):
        """The goods, quantities and prices of a fulfilled channel order stay as
        the channel sold them; down payment and expense lines are Odoo's to
        change (as Odoo's own lock allows)."""
        lines = self.filtered(lambda line: not line.is_downpayment)
        lines = lines.filtered(lambda line: not line.is_expense)
        lines.order_id._omni_check_locked({"order_line"})

    def _omni_link_product(self, product):
        """Replace the placeholder by the real product; keep the channel's
        description and price; reserve stock if the order is confirmed."""
        for line in self:
            if not line.is_unlinked:
                continue
            if not line.product_updatable:
                raise UserError(
                    self.env._(
                        "Line %(line)s of %(order)s was already invoiced: it cannot "
                        "be linked to a product any more.",
                        line=line.name,
                        order=line.order_id.name,
                    )
                )
            line.write(
                {
                    "product_id": product.id,
                    "name": line.name,
                    "price_unit": line.price_unit,
                    "product_uom": product.uom_id.id,
                }
            )
            if line.state == "sale":
                line._action_launch_stock_rule()
        self.order_id._omni_log_event(
            "sync",
            self.env._("SKU linked to %(product)s", product=product.display_name),
        )
