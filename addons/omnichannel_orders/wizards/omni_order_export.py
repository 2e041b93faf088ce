import csv
import io
import tempfile
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr, split_every
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

EXPORT_BATCH = 1000
DEFAULT_DAYS = 90


class OmniOrderExport(models.TransientModel):
    """Download orders as a CSV file (UTF-8 with a BOM, so that Excel reads it):
    the orders of a period (the last 90 days by default), the selected orders, or
    the orders of a filter. Orders are read in batches of 1000, so that exporting
    100,000 orders does not fill the server's memory."""

    _name = "omni.order.export"
    _description = "Download Orders"

    scope = fields.Selection(
        selection=[
            ("period", "Period"),
            ("selection", "Selected orders"),
            ("domain", "Filter"),
        ],
        required=True,
        default="period",
    )
    date_from = fields.Date(
        default=lambda self: fields.Date.context_today(self)
        - timedelta(days=DEFAULT_DAYS),
        help="First order date (included), in your time zone.",
    )
    date_to = fields.Date(
        default=fields.Date.context_today,
        help="Last order date (included), in your time zone.",
    )
    channel_ids = fields.Many2many(
        comodel_name="omni.channel",
        string="Channels",
        help="Only the orders of these channels; none: every order.",
    )
    order_ids = fields.Many2many(comodel_name="sale.order", string="Orders")
    domain = fields.Char(
        string="Filter",
        default="[]",
        help="The orders to export, as a domain on sale orders.",
    )
    order_count = fields.Integer(
        string="Orders to Download", compute="_compute_order_count"
    )
    attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="File", readonly=True
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "sale.order":
            if context.get("active_domain") is not None and "domain" in fields_list:
                res["domain"] = repr(context["active_domain"])
            active_ids = context.get("active_ids")
            if active_ids:
                res["scope"] = "selection"
                if "order_ids" in fields_list:
                    res["order_ids"] = [fields.Command.set(active_ids)]
        return res

    @api.depends("scope", "date_from", "date_to", "channel_ids", "order_ids", "domain")
    def _compute_order_count(self):
        Order = self.env["sale.order"]
        for wizard in self:
            try:
                wizard.order_count = Order.search_count(wizard._get_order_domain())
            except (UserError, ValueError, SyntaxError):
                wizard.order_count = 0

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if (
                wizard.date_from
                and wizard.date_to
                and wizard.date_from > wizard.date_to
            ):
                raise ValidationError(
                    self.env._("The first order date must precede the last one.")
                )

    def unlink(self):
        """The files go with the wizard (the transient records are vacuumed)."""
        self.env["ir.attachment"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        ).unlink()
        return super().unlink()

    def action_export(self):
        self.ensure_one()
        attachment = self._generate_csv()
        self.attachment_id = attachment
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------ business
    def _local_day_start(self, day):
        """The UTC datetime of midnight of ``day`` in the user's time zone."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        start = tz.localize(datetime.combine(day, time.min))
        return fields.Datetime.to_string(start.astimezone(pytz.utc))

    def _parse_domain(self):
        context = {
            "uid": self.env.uid,
            "context_today": lambda: fields.Date.context_today(self),
            "datetime": safe_datetime,
            "relativedelta": relativedelta,
        }
        domain = safe_eval(self.domain or "[]", context)
        if not isinstance(domain, list | tuple):
            raise UserError(self.env._("The filter is not a valid domain."))
        return list(domain)

    def _get_order_domain(self):
        """The sale orders to export (extension point)."""
        self.ensure_one()
        if self.scope == "selection":
            return [("id", "in", self.order_ids._origin.ids)]
        if self.scope == "domain":
            domain = self._parse_domain()
        else:
            domain = []
            if self.date_from:
                domain.append(
                    ("date_order", ">=", self._local_day_start(self.date_from))
                )
            if self.date_to:
                domain.append(
                    (
                        "date_order",
                        "<",
                        self._local_day_start(self.date_to + timedelta(days=1)),
                    )
                )
        if self.channel_ids:
            domain = [("channel_id", "in", self.channel_ids._origin.ids)] + domain
        return domain

    def _csv_header(self):
        return [
            self.env._("Order Number"),
            self.env._("Channel"),
            self.env._("Channel Order Number"),
            self.env._("Order Date"),
            self.env._("Lifecycle"),
            self.env._("Desk Status"),
            self.env._("Channel Status"),
            self.env._("Tracking Number"),
            self.env._("Products"),
            self.env._("Quantity"),
            self.env._("Odoo Total"),
            self.env._("Channel Total"),
            self.env._("Difference"),
            self.env._("Currency"),
        ]

    def _line_totals(self, orders):
        """{order id: (distinct products, total quantity)} of the orders, in one
        query. An unlinked line counts as the product of its channel SKU."""
        placeholder = self.env.ref(
            "omnichannel_orders.product_unlinked_channel_item", raise_if_not_found=False
        )
        groups = self.env["sale.order.line"]._read_group(
            [("order_id", "in", orders.ids), ("display_type", "=", False)],
            ["order_id", "product_id", "channel_sku"],
            ["product_uom_qty:sum"],
        )
        products, quantities = {}, {}
        for order, product, sku, qty in groups:
            key = ("sku", sku) if placeholder and product == placeholder else product.id
            products.setdefault(order.id, set()).add(key)
            quantities[order.id] = quantities.get(order.id, 0.0) + qty
        return {
            order_id: (len(keys), quantities[order_id])
            for order_id, keys in products.items()
        }

    def _csv_rows(self, orders):
        """The CSV rows of a batch of orders (extension point)."""
        Order = self.env["sale.order"]
        lifecycle = dict(
            Order._fields["lifecycle_state"]._description_selection(self.env)
        )
        stages = dict(Order._fields["desk_stage"]._description_selection(self.env))
        totals = self._line_totals(orders)
        for order in orders:
            currency = order.currency_id
            channel_currency = order.channel_currency_id or currency
            digits = currency.decimal_places
            channel_digits = channel_currency.decimal_places
            products, quantity = totals.get(order.id, (0, 0.0))
            date_order = fields.Datetime.context_timestamp(self, order.date_order)
            yield [
                order.name,
                order.channel_id.name or "",
                order.channel_order_ref or "",
                date_order.strftime("%Y-%m-%d %H:%M:%S"),
                lifecycle.get(order.lifecycle_state, ""),
                stages.get(order.desk_stage, ""),
                order.channel_status or "",
                order.tracking_ref or "",
                products,
                float_repr(quantity, 3).rstrip("0").rstrip("."),
                float_repr(currency.round(order.amount_total), digits),
                float_repr(
                    channel_currency.round(order.channel_amount_total), channel_digits
                )
                if order.channel_amount_total
                else "",
                float_repr(
                    channel_currency.round(order.channel_amount_difference),
                    channel_digits,
                )
                if order.channel_amount_total
                else "",
                currency.name,
            ]

    def _generate_csv(self):
        """Write the CSV batch by batch to a temporary file, then store it as an
        attachment of the wizard."""
        self.ensure_one()
        Order = self.env["sale.order"]
        order_ids = Order.search(self._get_order_domain(), order="date_order, id").ids
        if not order_ids:
            raise UserError(self.env._("There is no order to download."))
        self.env.flush_all()
        with (
            tempfile.TemporaryFile() as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream,
        ):
            writer = csv.writer(stream)
            writer.writerow(self._csv_header())
            for batch_ids in split_every(EXPORT_BATCH, order_ids, list):
                writer.writerows(self._csv_rows(Order.browse(batch_ids)))
                # forget the batch: the cache must not grow with the export
                Order.invalidate_model()
                self.env["sale.order.line"].invalidate_model()
            stream.flush()
            raw.seek(0)
            content = raw.read()
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        return self.env["ir.attachment"].create(
            {
                "name": "orders-{}.csv".format(now.strftime("%Y%m%d-%H%M%S")),
                "raw": content,
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
