from odoo import api, fields, models
from odoo.tools import float_compare

from .dropship_po_transmission import TRANSMISSION_STATES


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    dropship_distributor_id = fields.Many2one(
        comodel_name="dropship.distributor",
        string="Distributor",
        compute="_compute_dropship_distributor_id",
        store=True,
        index=True,
    )
    dropship_transmission_ids = fields.One2many(
        comodel_name="dropship.po.transmission",
        inverse_name="purchase_order_id",
        string="Transmissions",
    )
    dropship_transmission_state = fields.Selection(
        selection=TRANSMISSION_STATES,
        string="Transmission",
        compute="_compute_dropship_transmission_state",
        store=True,
    )

    @api.depends("partner_id", "company_id")
    def _compute_dropship_distributor_id(self):
        Distributor = self.env["dropship.distributor"]
        self.dropship_distributor_id = False
        for company in self.company_id | self.env.company:
            orders = self.filtered(
                lambda o, c=company: (o.company_id or self.env.company) == c
            )
            if not orders:
                continue
            distributors = Distributor._for_partners(orders.partner_id, company)
            for order in orders:
                order.dropship_distributor_id = distributors.get(
                    order.partner_id.commercial_partner_id.id, Distributor
                )

    @api.depends("dropship_transmission_ids.state", "dropship_transmission_ids.kind")
    def _compute_dropship_transmission_state(self):
        for order in self:
            document = order.dropship_transmission_ids.filtered(
                lambda t: t.kind == "document"
            )[:1]
            order.dropship_transmission_state = document.state

    def _dropship_cost_edited(self):
        """A line's cost was edited away from the distributor's feed price."""
        self.ensure_one()
        return any(
            line.sale_line_id.dropship_cost_edited
            for line in self.order_line
            if line.sale_line_id
        )

    def _dropship_transmit(self):
        """Transmit confirmed drop-ship POs once: the document in the
        distributor's format and, when a cost was edited, the PDF to the account
        manager. Transmissions already made are not repeated. The transmissions
        of all the POs are found or created at once, then sent one by one; an
        unexpected error on one leaves it failed and retried by a job. Once a
        distributor did not take one (network error, timeout, HTTP 5xx or 429),
        its next POs are not tried now but left to retry jobs too, so that a
        distributor that is down costs one timeout, not one per PO."""
        wanted = []
        for order in self.sudo().filtered(
            lambda o: o.state in ("purchase", "done") and o.dropship_distributor_id
        ):
            distributor = order.dropship_distributor_id
            wanted.append((order, distributor, "document"))
            if order._dropship_cost_edited() and distributor.account_manager_email:
                wanted.append((order, distributor, "account_manager"))
        transmissions = self.env["dropship.po.transmission"].sudo()._ensure_many(wanted)
        unreachable = self.env["dropship.distributor"]
        for transmission in transmissions:
            if transmission.state != "to_send":
                continue
            distributor = transmission.distributor_id
            if transmission.po_format != "pdf" and distributor in unreachable:
                transmission._schedule_retry(
                    self.env._(
                        "%(order)s not sent yet: %(dist)s did not take the previous "
                        "purchase order.",
                        order=transmission.purchase_order_id.name,
                        dist=distributor.name,
                    )
                )
            elif not transmission._send_isolated() and transmission.po_format != "pdf":
                unreachable |= distributor
        return transmissions

    def action_view_dropship_transmissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "supplier_dropship.dropship_po_transmission_action"
        )
        action["domain"] = [("purchase_order_id", "=", self.id)]
        return action


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    def _dropship_part_number(self):
        """The distributor's part number of the line's product: the vendor
        product code, else the product's internal reference."""
        self.ensure_one()
        partner = self.order_id.partner_id.commercial_partner_id
        sellers = self.product_id.seller_ids.filtered(
            lambda s: s.partner_id.commercial_partner_id == partner
            and s.product_code
            and (not s.product_id or s.product_id == self.product_id)
        ).sorted(lambda s: (s.sequence, s.id))
        return sellers[:1].product_code or self.product_id.default_code or ""

    def _dropship_apply_agreed_cost(self, sale_line):
        """Use the cost agreed on the sale line instead of the vendor price."""
        for line in self:
            seller_currency = sale_line._dropship_seller().currency_id
            cost = sale_line.dropship_unit_cost
            if seller_currency and seller_currency != line.currency_id:
                cost = seller_currency._convert(
                    cost, line.currency_id, line.company_id, fields.Date.today()
                )
            if float_compare(cost, line.price_unit, precision_digits=6):
                line.price_unit = cost
