from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.sale_order import MANUAL_REASONS

STEPS = [
    ("general", "General Details"),
    ("customer", "Customer"),
    ("items", "Items"),
    ("payment", "Payment"),
]
PAYMENT_METHODS = [
    ("bank_transfer", "Bank transfer"),
    ("cash", "Cash"),
    ("card", "Card"),
    ("ewallet", "E-wallet"),
    ("cheque", "Cheque"),
    ("credit", "On credit (B2B terms)"),
    ("other", "Other"),
]


class OmniManualOrder(models.TransientModel):
    """Create a manual order (phone, e-mail, back office) in four steps: general
    details, customer, items picked from the catalogue, payment with its proof. B2C
    orders may change the line prices and must say why they are created."""

    _name = "omni.manual.order"
    _description = "New Manual Order"

    step = fields.Selection(selection=STEPS, required=True, default="general")
    channel_id = fields.Many2one(
        comodel_name="omni.channel",
        required=True,
        domain="[('channel_type', '=', 'manual'), "
        "('company_id', 'in', allowed_company_ids)]",
        default=lambda self: self._default_channel_id(),
    )
    company_id = fields.Many2one(related="channel_id.company_id")
    require_payment_proof = fields.Boolean(related="channel_id.require_payment_proof")
    customer_type = fields.Selection(
        selection=[("b2b", "B2B"), ("b2c", "B2C")], required=True, default="b2b"
    )
    date_order = fields.Datetime(
        string="Order Date", required=True, default=fields.Datetime.now
    )
    commitment_date = fields.Datetime(
        string="Delivery Date", help="The delivery date promised to the customer."
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    client_order_ref = fields.Char(string="Customer Reference")
    manual_reason = fields.Selection(
        selection=MANUAL_REASONS, string="Reason", default="sale"
    )
    remark = fields.Text(
        help="Why this order is created by hand: replacement of a damaged item, "
        "goodwill gesture... Mandatory for B2C orders."
    )

    # customer
    new_customer = fields.Boolean()
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer")
    partner_name = fields.Char(string="Name")
    partner_email = fields.Char(string="E-mail")
    partner_phone = fields.Char(string="Phone")
    partner_street = fields.Char(string="Street")
    partner_city = fields.Char(string="City")
    partner_zip = fields.Char(string="ZIP")
    partner_country_id = fields.Many2one(comodel_name="res.country", string="Country")
    partner_vat = fields.Char(string="Tax ID")

    # items
    pricelist_id = fields.Many2one(
        comodel_name="product.pricelist",
        compute="_compute_pricelist_id",
        store=True,
        readonly=False,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_currency_id"
    )
    product_ids = fields.Many2many(
        comodel_name="product.product",
        string="Products",
        domain="[('sale_ok', '=', True), " "('company_id', 'in', [company_id, False])]",
        help="Pick one or several products of the catalogue; set their quantities "
        "below.",
    )
    line_ids = fields.One2many(
        comodel_name="omni.manual.order.line", inverse_name="wizard_id", string="Items"
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Total", compute="_compute_amount_untaxed"
    )

    # payment
    payment_method = fields.Selection(selection=PAYMENT_METHODS)
    payment_reference = fields.Char()
    payment_proof = fields.Binary(
        help="Bank transfer slip, receipt... kept on the order as an attachment."
    )
    payment_proof_filename = fields.Char()

    @api.model
    def _default_channel_id(self):
        return self.env["omni.channel"].search(
            [
                ("channel_type", "=", "manual"),
                ("company_id", "in", self.env.companies.ids),
            ],
            limit=1,
        )

    @api.depends("channel_id", "partner_id")
    def _compute_pricelist_id(self):
        for wizard in self:
            wizard.pricelist_id = (
                wizard.channel_id.pricelist_id
                or wizard.partner_id.property_product_pricelist
            )

    @api.depends("pricelist_id", "channel_id")
    def _compute_currency_id(self):
        for wizard in self:
            wizard.currency_id = (
                wizard.pricelist_id.currency_id
                or wizard.channel_id.currency_id
                or self.env.company.currency_id
            )

    @api.depends("line_ids.price_subtotal")
    def _compute_amount_untaxed(self):
        for wizard in self:
            wizard.amount_untaxed = sum(wizard.line_ids.mapped("price_subtotal"))

    @api.onchange("product_ids")
    def _onchange_product_ids(self):
        """One item line per picked product: new picks get a line, products taken
        out of the pick lose theirs; quantities and prices already typed stay."""
        products = self.product_ids._origin
        commands = [
            Command.delete(line.id)
            for line in self.line_ids
            if line.product_id._origin not in products
        ]
        picked = self.line_ids.product_id._origin
        commands += [
            Command.create({"product_id": product.id, "quantity": 1.0})
            for product in products
            if product not in picked
        ]
        if commands:
            self.line_ids = commands

    @api.onchange("new_customer")
    def _onchange_new_customer(self):
        if self.new_customer:
            self.partner_id = False

    # ------------------------------------------------------------------ steps
    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Manual Order"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": dict(self.env.context),
        }

    def action_next(self):
        self.ensure_one()
        self._check_step(self.step)
        keys = [key for key, _label in STEPS]
        self.step = keys[min(keys.index(self.step) + 1, len(keys) - 1)]
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        keys = [key for key, _label in STEPS]
        self.step = keys[max(keys.index(self.step) - 1, 0)]
        return self._reopen()

    def _check_step(self, step):
        """Raise a UserError naming what is missing in ``step``."""
        self.ensure_one()
        if step == "general":
            if self.channel_id.channel_type != "manual":
                raise UserError(self.env._("Choose a manual sales channel."))
            if self.customer_type == "b2c" and not (self.remark or "").strip():
                raise UserError(
                    self.env._(
                        "A B2C manual order needs a remark: say why it is created "
                        "(replacement, goodwill...)."
                    )
                )
        elif step == "customer":
            if self.new_customer:
                if not (self.partner_name or "").strip():
                    raise UserError(self.env._("Give the new customer's name."))
            elif not self.partner_id:
                raise UserError(
                    self.env._(
                        "Choose the customer, or tick New Customer to create one."
                    )
                )
        elif step == "items":
            if not self.line_ids:
                raise UserError(
                    self.env._("Add at least one product from the catalogue.")
                )
            self.line_ids._check_values()
        elif step == "payment":
            if self.require_payment_proof and not self.payment_proof:
                raise UserError(
                    self.env._(
                        "Channel %(channel)s requires a payment proof to confirm an "
                        "order: upload it, or save the order as buffered.",
                        channel=self.channel_id.display_name,
                    )
                )

    # ------------------------------------------------------------------ create
    def _prepare_partner_vals(self):
        self.ensure_one()
        return {
            "name": self.partner_name.strip(),
            "email": self.partner_email,
            "phone": self.partner_phone,
            "street": self.partner_street,
            "city": self.partner_city,
            "zip": self.partner_zip,
            "country_id": self.partner_country_id.id,
            "vat": self.partner_vat,
            "is_company": self.customer_type == "b2b",
            "company_id": False,
        }

    def _get_partner(self):
        self.ensure_one()
        if self.new_customer:
            # an order desk user may lack "Contact Creation": the wizard creates
            # the customer it describes, nothing else
            partner = (
                self.env["res.partner"]
                .sudo()
                .create(self._prepare_partner_vals())
                .sudo(False)
            )
            self.write({"partner_id": partner.id, "new_customer": False})
        return self.partner_id

    def _prepare_sale_order_vals(self, partner):
        self.ensure_one()
        channel = self.channel_id
        method = dict(
            self._fields["payment_method"]._description_selection(self.env)
        ).get(self.payment_method)
        payment = " - ".join(filter(None, [method, self.payment_reference]))
        vals = {
            "partner_id": partner.id,
            "channel_id": channel.id,
            "company_id": channel.company_id.id,
            "customer_type": self.customer_type,
            "date_order": self.date_order,
            "commitment_date": self.commitment_date,
            "user_id": self.user_id.id,
            "client_order_ref": self.client_order_ref,
            "channel_payment_method": payment or False,
            "manual_reason": self.manual_reason,
            "manual_remark": self.remark,
            "order_line": [
                Command.create(line._prepare_sale_order_line_vals())
                for line in self.line_ids
            ],
        }
        if channel.warehouse_id:
            vals["warehouse_id"] = channel.warehouse_id.id
        if channel.team_id:
            vals["team_id"] = channel.team_id.id
        if self.pricelist_id:
            vals["pricelist_id"] = self.pricelist_id.id
        return vals

    def _create_order(self):
        self.ensure_one()
        for step, _label in STEPS[:-1]:
            self._check_step(step)
        partner = self._get_partner()
        order = (
            self.env["sale.order"]
            .with_context(omni_no_auto_process=True)
            .create(self._prepare_sale_order_vals(partner))
        )
        if self.payment_proof:
            order._omni_attach_payment_proof(
                self.payment_proof, self.payment_proof_filename
            )
        if self.remark:
            order.message_post(
                body=self.env._("Manual order: %(remark)s", remark=self.remark),
                subtype_xmlid="mail.mt_note",
            )
        return order

    def _open_order(self, order):
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_save_buffered(self):
        """Create the order without confirming it: it stays buffered (editable,
        nothing reserved), to be confirmed later from the order desk."""
        self.ensure_one()
        return self._open_order(self._create_order())

    def action_confirm(self):
        """Create and confirm the order: stock is reserved (or the drop-ship flow
        starts) and the customer gets the confirmation e-mail."""
        self.ensure_one()
        self._check_step("payment")
        order = self._create_order()
        order.action_confirm()
        return self._open_order(order)
