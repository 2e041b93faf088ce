"""omni.channel: what the buyer paid, on the order — the channel's currency, the
buyer's shipping fee as a delivery line (Odoo's ``delivery``), the seller's
vouchers as discount lines (Odoo's discount product, per tax group, as Odoo's
discount wizard books them), the platform-funded part kept aside."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    shipping_carrier_id = fields.Many2one(
        comodel_name="delivery.carrier",
        string="Shipping Method",
        check_company=True,
        help="The delivery method of the shipping fee the buyer paid: it becomes "
        "the order's delivery line (its product and taxes). Made with the "
        "channel when empty.",
    )
    surcharge_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Charges Product",
        check_company=True,
        help="The product of the payment or COD charges the buyer paid on the "
        "channel (a line of the order). Made with the channel when empty.",
    )
    rounding_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Rounding Product",
        check_company=True,
        help="The product of the rounding line: booked on an order whose lines "
        "add up to a few cents more or less than the platform's total (e.g. unit "
        "prices with more decimals than Odoo keeps), so that the order and its "
        "invoice equal what the platform says, with the reason on the line.",
    )
    rounding_max_units = fields.Integer(
        string="Book Rounding up to",
        default=5,
        help="A difference of at most this many of the currency's smallest units "
        "(cents) between the platform's total and Odoo's is booked on a rounding "
        "line; a larger one is shown on the order as a difference. 0: never.",
    )

    # ---- set up before any import ------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        channels._connector_money_setup()
        return channels

    def write(self, vals):
        res = super().write(vals)
        if "platform" in vals or "company_id" in vals:
            self._connector_money_setup()
        return res

    def _connector_money_setup(self):
        """The channel's shipping method, charges and rounding products and the
        company's discount product, made when the channel gets its platform: not
        by page jobs that run in parallel (they would write the same channel and
        company rows at once)."""
        for channel in self.filtered(lambda c: c.platform and c.platform != "none"):
            channel._connector_shipping_carrier()
            channel._connector_surcharge_product()
            channel._connector_rounding_product()
            channel._connector_discount_product()
        return True

    # ---- the order's money ---------------------------------------------------------
    @staticmethod
    def _connector_amounts(normalised):
        """The order's ``amounts``; an adapter that does not say who funds the
        vouchers (``seller_discount`` / ``platform_discount``) reports the
        seller's own: every voucher is the seller's."""
        amounts = dict(normalised.get("amounts") or {})
        if "seller_discount" not in amounts:
            amounts["seller_discount"] = amounts.get("voucher") or 0.0
            amounts.setdefault("platform_discount", 0.0)
        return amounts

    def _prepare_order_amount_vals(self, normalised):
        """The amounts the channel reports, stored beside Odoo's (extension
        point)."""
        amounts = self._connector_amounts(normalised)
        return {
            "channel_amount_items": amounts.get("items") or 0.0,
            "channel_amount_shipping": amounts.get("shipping") or 0.0,
            "channel_amount_voucher": amounts.get("voucher") or 0.0,
            "channel_amount_seller_discount": amounts.get("seller_discount") or 0.0,
            "channel_amount_platform": amounts.get("platform_discount") or 0.0,
            "channel_amount_cancelled": amounts.get("cancelled") or 0.0,
            "channel_amount_fees": amounts.get("fees") or 0.0,
            "channel_amount_total": amounts.get("total") or 0.0,
        }

    def _prepare_money_line_vals(self, normalised, line_vals, cache):
        """The lines besides the items: the buyer's shipping fee (a delivery
        line) and the seller's vouchers (discount lines)."""
        self._connector_check_currency(normalised)
        vals_list = []
        for vals in (
            self._prepare_delivery_line_vals(normalised, cache),
            self._prepare_surcharge_line_vals(normalised, cache),
        ):
            if vals:
                vals_list.append(vals)
        vals_list += self._prepare_seller_discount_line_vals(
            normalised, line_vals, cache
        )
        return vals_list

    # ---- surcharges --------------------------------------------------------------
    def _connector_surcharge_product(self):
        """The service product of the charges the buyer paid besides the items
        and the shipping (payment or COD fees), made once."""
        if not self.surcharge_product_id:
            vals = dict(
                self._prepare_shipping_product_vals(),
                name=self.env._("Order charges (%(channel)s)", channel=self.name),
            )
            self.sudo().surcharge_product_id = (
                self.env["product.product"].sudo().create(vals)
            )
        return self.surcharge_product_id

    def _prepare_surcharge_line_vals(self, normalised, cache):
        """The line of the payment/COD charges the buyer paid (extension
        point)."""
        amount = self._connector_amounts(normalised).get("fees") or 0.0
        if not amount:
            return {}
        product = cache.get("surcharge_product") or self._connector_surcharge_product()
        cache["surcharge_product"] = product
        return {
            "name": product.name,
            "product_id": product.id,
            "product_uom_qty": 1.0,
            "price_unit": amount,
            "tax_id": [
                fields.Command.set(self._connector_product_taxes(product, cache).ids)
            ],
            "sequence": 9000,
        }

    # ---- a newer version ----------------------------------------------------------
    def _connector_money_lines(self, order):
        """The order's lines the engine made of the money (delivery, charges,
        seller discounts): not the items, not what a user added."""
        products = (
            self.shipping_carrier_id.product_id
            | self.surcharge_product_id
            | self.rounding_product_id
            | self.company_id.sale_discount_product_id
        )
        return order.order_line.filtered(
            lambda line: not line.channel_sku
            and (line.is_delivery or line.product_id in products)
        )

    def _connector_resync_money_lines(self, order, normalised, vals):
        """A quotation (not confirmed yet) whose shipping fee, charges or seller
        discounts the platform changed (e.g. a Shopee order imported unpaid, its
        vouchers known once paid) gets those lines again; a confirmed order keeps
        its lines (its difference shows on the order)."""
        money = {
            "channel_amount_shipping",
            "channel_amount_seller_discount",
            "channel_amount_fees",
        }
        if order.state not in ("draft", "sent") or not money & set(vals):
            return
        cache = {}
        items = [
            {
                "product_id": line.product_id.id,
                "price_unit": line.price_unit,
                "product_uom_qty": line.product_uom_qty,
                "tax_id": [fields.Command.set(line.tax_id.ids)],
            }
            for line in order.order_line.filtered("channel_sku")
        ]
        new_vals = self._prepare_money_line_vals(normalised, items, cache)
        self._connector_money_lines(order).unlink()
        order.write(
            {
                "order_line": [
                    fields.Command.create(line_vals) for line_vals in new_vals
                ],
                "carrier_id": cache["carrier"].id if cache.get("carrier") else False,
            }
        )
        self._connector_book_rounding(order)

    # ---- rounding ----------------------------------------------------------------
    def _connector_rounding_product(self):
        """The service product of the rounding lines (no tax), made once."""
        if not self.rounding_product_id:
            vals = dict(
                self._prepare_shipping_product_vals(),
                name=self.env._("Rounding (%(channel)s)", channel=self.name),
                taxes_id=[fields.Command.clear()],
            )
            self.sudo().rounding_product_id = (
                self.env["product.product"].sudo().create(vals)
            )
        return self.rounding_product_id

    def _connector_book_rounding(self, orders):
        """Orders whose lines add up to a few cents more or less than the
        platform's total get a rounding line of the difference, its reason in
        its description: the order and its invoice then equal the platform's
        figure to the cent. Larger differences stay shown on the order."""
        vals_list = []
        for order in orders:
            currency = order.channel_currency_id or order.currency_id
            channel = order.channel_id
            difference = order.channel_amount_difference
            if (
                order.state not in ("draft", "sent")
                or currency.is_zero(difference)
                or order.channel_amount_difference_reason != "unexplained"
                or abs(difference)
                > channel.rounding_max_units * currency.rounding + 1e-9
            ):
                continue
            vals_list.append(channel._prepare_rounding_line_vals(order, difference))
        if vals_list:
            self.env["sale.order.line"].create(vals_list)
        return bool(vals_list)

    def _prepare_rounding_line_vals(self, order, difference):
        """The rounding line of ``order`` (extension point)."""
        currency = order.channel_currency_id or order.currency_id
        product = self._connector_rounding_product()
        return {
            "order_id": order.id,
            "name": self.env._(
                "Rounding: the platform's total is %(expected)s, the lines add up "
                "to %(odoo)s (prices with more decimals than Odoo keeps)",
                expected=currency.format(order.channel_amount_expected),
                odoo=currency.format(order.amount_total),
            ),
            "product_id": product.id,
            "product_uom_qty": 1.0,
            "price_unit": -difference,
            "tax_id": [fields.Command.clear()],
            "sequence": 9002,
        }

    # ---- currency ----------------------------------------------------------------
    def _connector_check_currency(self, normalised):
        """An order in another currency than the channel's is refused: its money
        would be stored as if it were in the channel's."""
        currency = normalised.get("currency") or ""
        expected = self.currency_id or self.company_id.currency_id
        if not isinstance(currency, str):
            raise UserError(
                self.env._(
                    "Order %(order)s: unreadable currency %(currency)r.",
                    order=normalised.get("external_id"),
                    currency=currency,
                )
            )
        currency = currency.upper()
        if currency and currency != expected.name:
            raise UserError(
                self.env._(
                    "Order %(order)s is in %(currency)s but channel %(channel)s "
                    "sells in %(expected)s: not imported. Give the channel a "
                    "pricelist in %(currency)s (Sales ‣ Channels ‣ %(channel)s).",
                    order=normalised.get("external_id"),
                    currency=currency,
                    channel=self.display_name,
                    expected=expected.name,
                )
            )

    # ---- taxes -------------------------------------------------------------------
    def _connector_product_taxes(self, product, cache):
        """The taxes Odoo puts on a line of ``product`` on this channel's orders
        (the product's, mapped by the channel's fiscal position), read once."""
        key = ("taxes", product.id)
        if key not in cache:
            taxes = product.taxes_id._filter_taxes_by_company(self.company_id)
            cache[key] = self.fiscal_position_id.map_tax(taxes)
        return cache[key]

    def _connector_line_taxes(self, vals, cache):
        """The taxes of the line of ``vals``: its own, else its product's."""
        if "tax_id" in vals:
            return self.env["account.tax"].browse(vals["tax_id"][0][2])
        product = self.env["product.product"].browse(vals["product_id"])
        return self._connector_product_taxes(product, cache)

    def _connector_rate_taxes(self, rate, cache, included=None):
        """The company's sale tax of ``rate`` % (the platform's per-line rate),
        included in the price or not as the order's (else the channel's) prices
        are."""
        if included is None:
            included = self.price_tax_mode == "included"
        key = ("rate", rate, bool(included))
        if key not in cache:
            taxes = self.env["account.tax"].search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", rate),
                ]
            )
            same = taxes.filtered(lambda t: t.price_include == bool(included))[:1]
            if not same and included and self.fiscal_position_id.omni_tax_included:
                # the excluded tax of that rate, through the channel's mapping
                same = self.fiscal_position_id.map_tax(taxes[:1])
            cache[key] = same
        return cache[key]

    # ---- delivery line -----------------------------------------------------------
    def _connector_shipping_carrier(self):
        """The channel's delivery method (a fixed-price one, made once)."""
        if not self.shipping_carrier_id:
            product = (
                self.env["product.product"]
                .sudo()
                .create(self._prepare_shipping_product_vals())
            )
            self.sudo().shipping_carrier_id = (
                self.env["delivery.carrier"]
                .sudo()
                .create(
                    {
                        "name": self.env._("%(channel)s shipping", channel=self.name),
                        "delivery_type": "fixed",
                        "integration_level": "rate",
                        "fixed_price": 0.0,
                        "product_id": product.id,
                        "company_id": self.company_id.id,
                    }
                )
            )
        return self.shipping_carrier_id

    def _prepare_shipping_product_vals(self):
        """The service product of the channel's shipping fee (extension point)."""
        company = self.company_id
        return {
            "name": self.env._("Shipping fee (%(channel)s)", channel=self.name),
            "type": "service",
            "invoice_policy": "order",
            "sale_ok": False,
            "purchase_ok": False,
            "list_price": 0.0,
            "company_id": company.id,
            "taxes_id": [fields.Command.set(company.account_sale_tax_id.ids)],
        }

    def _prepare_delivery_line_vals(self, normalised, cache):
        """The delivery line of the shipping fee the buyer paid, as Odoo's
        ``sale.order._prepare_delivery_line_vals`` makes it (extension point)."""
        amount = (normalised.get("amounts") or {}).get("shipping") or 0.0
        if not amount:
            return {}
        carrier = cache.get("carrier") or self._connector_shipping_carrier()
        cache["carrier"] = carrier
        product = carrier.product_id
        return {
            "name": normalised.get("courier") or carrier.name,
            "product_id": product.id,
            "product_uom": product.uom_id.id,
            "product_uom_qty": 1.0,
            "price_unit": amount,
            "tax_id": [
                fields.Command.set(self._connector_product_taxes(product, cache).ids)
            ],
            "is_delivery": True,
            "sequence": 9000,
        }

    # ---- seller discounts --------------------------------------------------------
    def _connector_discount_product(self):
        """Odoo's discount product of the company (``sale_discount_product_id``),
        made as Odoo's discount wizard makes it when there is none."""
        company = self.company_id.sudo()
        if not company.sale_discount_product_id:
            wizard = self.env["sale.order.discount"].new({"company_id": company.id})
            company.sale_discount_product_id = (
                self.env["product.product"]
                .sudo()
                .create(wizard._prepare_discount_product_values())
            )
        return company.sale_discount_product_id

    def _prepare_seller_discount_line_vals(self, normalised, line_vals, cache):
        """The seller-funded vouchers and discounts as discount lines: split over
        the lines' tax groups in proportion to their amounts (as Odoo's discount
        wizard does), the last group taking the rounding, so that the lines add up
        to the platform's figure to the cent (extension point)."""
        amount = self._connector_amounts(normalised)["seller_discount"]
        if not amount:
            return []
        currency = self.currency_id or self.company_id.currency_id
        groups = defaultdict(float)
        for vals in line_vals:
            taxes = self._connector_line_taxes(vals, cache)
            groups[taxes] += vals["price_unit"] * vals["product_uom_qty"]
        base = sum(groups.values())
        product = cache.get("discount_product") or self._connector_discount_product()
        cache["discount_product"] = product
        result, left = [], amount
        items = sorted(groups.items(), key=lambda kv: kv[0].ids)
        for position, (taxes, subtotal) in enumerate(items):
            part = (
                left
                if position == len(items) - 1
                else float_round(
                    amount * subtotal / base if base else 0.0,
                    precision_rounding=currency.rounding,
                )
            )
            left = float_round(left - part, precision_rounding=currency.rounding)
            name = self.env._("Seller voucher / discount")
            if len(items) > 1 and taxes:
                name = self.env._(
                    "Seller voucher / discount - on products with the taxes %(taxes)s",
                    taxes=", ".join(taxes.mapped("name")),
                )
            result.append(
                {
                    "name": name,
                    "product_id": product.id,
                    "product_uom_qty": 1.0,
                    "price_unit": -part,
                    "tax_id": [fields.Command.set(taxes.ids)],
                    "sequence": 9001,
                }
            )
        return result
