from odoo import api, fields, models
from odoo.tools import float_compare


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    dropship_distributor_id = fields.Many2one(
        comodel_name="dropship.distributor",
        string="Distributor",
        copy=False,
        check_company=True,
        help="Your choice of distributor for this line: it always wins over the "
        "planner's.",
    )
    dropship_planned_distributor_id = fields.Many2one(
        comodel_name="dropship.distributor",
        string="Planned Distributor",
        copy=False,
        readonly=True,
        help="The fulfilment planner's choice: in stock, lowest landed cost, then "
        "shortest lead time.",
    )
    dropship_unit_cost = fields.Float(
        string="Drop-ship Cost",
        digits="Product Price",
        copy=False,
        help="Unit cost ordered from the distributor (its currency). Edit it to the "
        "price agreed with the account manager: the PDF purchase order then goes to "
        "the account manager too.",
    )
    dropship_feed_price = fields.Float(
        digits="Product Price",
        copy=False,
        readonly=True,
        help="The distributor's price when the line was planned.",
    )
    dropship_landed_cost = fields.Float(
        digits="Product Price",
        copy=False,
        readonly=True,
        help="Cost of the line plus the delivery charge of its weight (company "
        "currency), as planned.",
    )
    dropship_cost_edited = fields.Boolean(compute="_compute_dropship_cost_edited")

    @api.depends("dropship_unit_cost", "dropship_feed_price")
    def _compute_dropship_cost_edited(self):
        for line in self:
            line.dropship_cost_edited = bool(
                line.dropship_feed_price
                and line.dropship_unit_cost
                and float_compare(
                    line.dropship_unit_cost,
                    line.dropship_feed_price,
                    precision_digits=4,
                )
            )

    # ------------------------------------------------------------------ helpers
    def _dropship_distributor(self):
        """The distributor that ships the line: the user's, else the planner's."""
        self.ensure_one()
        return self.dropship_distributor_id or self.dropship_planned_distributor_id

    def _dropship_seller(self):
        self.ensure_one()
        distributor = self._dropship_distributor()
        if not distributor:
            return self.env["product.supplierinfo"]
        return distributor._seller_for(self.product_id.sudo())

    def _dropship_is_candidate(self):
        """A goods line of a drop-ship product (Dropship route on the line, the
        product or its category) that some distributor supplies: its purchase
        order waits for the Ship button. See :meth:`_dropship_candidates`."""
        self.ensure_one()
        return bool(self._dropship_candidates())

    def _dropship_candidates(self):
        """The drop-ship candidates among these lines (see
        :meth:`_dropship_is_candidate`), with one distributor search per company
        for all of them instead of one per line."""
        route = self.env.ref(
            "stock_dropshipping.route_drop_shipping", raise_if_not_found=False
        )
        if not route:
            return self.browse()

        def routed(line):
            product = line.product_id
            routes = line.route_id or (
                product.route_ids | product.categ_id.total_route_ids
            )
            return route in routes

        lines = self.filtered(
            lambda line: not line.display_type
            and line.product_id.type == "consu"
            and routed(line)
        )
        candidate_ids = set()
        Distributor = self.env["dropship.distributor"]
        for company in lines.company_id | self.env.company:
            company_lines = lines.filtered(
                lambda line, c=company: (line.company_id or self.env.company) == c
            )
            if not company_lines:
                continue
            sellers = company_lines.product_id.sudo().seller_ids
            distributed = Distributor._for_partners(sellers.partner_id, company)
            candidate_ids.update(
                line.id
                for line in company_lines
                if any(
                    partner.commercial_partner_id.id in distributed
                    for partner in line.product_id.sudo().seller_ids.partner_id
                )
            )
        return self.filtered(lambda line: line.id in candidate_ids)

    def _dropship_qty_to_procure(self):
        self.ensure_one()
        return self.product_uom_qty - self._get_qty_procurement(False)

    # ------------------------------------------------------------------ procurement
    def _action_launch_stock_rule(self, previous_product_uom_qty=False):
        """Drop-ship lines are procured by the Ship button, not at confirmation."""
        if self.env.context.get("supplier_dropship_ship"):
            return super()._action_launch_stock_rule(previous_product_uom_qty)
        deferred = self._dropship_candidates()
        return super(SaleOrderLine, self - deferred)._action_launch_stock_rule(
            previous_product_uom_qty
        )

    def _prepare_procurement_values(self, group_id=False):
        values = super()._prepare_procurement_values(group_id=group_id)
        if self.env.context.get("supplier_dropship_ship"):
            seller = self._dropship_seller()
            if seller:
                values["supplierinfo_id"] = seller
        return values
