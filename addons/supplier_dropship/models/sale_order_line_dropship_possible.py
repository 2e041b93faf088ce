"""sale.order.line: can the line be drop-shipped at all (the drop-ship columns of
the order lines show only where one can)."""

from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    dropship_possible = fields.Boolean(
        string="Can Be Drop-shipped",
        compute="_compute_dropship_possible",
        help="The company works with distributors and the line's product (or its "
        "category, or the line) has the Dropship route.",
    )

    @api.depends("product_id", "route_id", "company_id", "display_type")
    def _compute_dropship_possible(self):
        route = self.env.ref(
            "stock_dropshipping.route_drop_shipping", raise_if_not_found=False
        )
        companies = (
            self.env["dropship.distributor"]
            .sudo()
            ._read_group(
                [("company_id", "in", (self.company_id | self.env.company).ids)],
                ["company_id"],
            )
        )
        with_distributors = {company for (company,) in companies}
        for line in self:
            line.dropship_possible = bool(
                route
                and (line.company_id or self.env.company) in with_distributors
                and line._dropship_routed(route)
            )

    def _dropship_routed(self, route):
        """A goods line with ``route`` on the line, its product or its category."""
        self.ensure_one()
        product = self.product_id
        if self.display_type or product.type != "consu":
            return False
        routes = self.route_id or (product.route_ids | product.categ_id.total_route_ids)
        return route in routes
