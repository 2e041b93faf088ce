from datetime import timedelta

from odoo import fields, models
from odoo.tools import float_compare


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    def _settlement_order_invoices(self, orders):
        moves = orders.invoice_ids.filtered(lambda m: m.state == "posted")
        return (
            moves.filtered(lambda m: m.move_type == "out_invoice"),
            moves.filtered(lambda m: m.move_type == "out_refund"),
        )

    def _settlement_exception_vals(self):
        """What is wrong on this channel, as exception values."""
        self.ensure_one()
        lines = self.env["channel.settlement.line"].search(
            [("channel_id", "=", self.id)]
        )
        by_order = {}
        for line in lines:
            if line.order_ref:
                by_order.setdefault(line.order_ref, self.env["channel.settlement.line"])
                by_order[line.order_ref] |= line
        vals_list = [
            self._settlement_unknown_fee_exception_vals(line)
            for line in lines
            if line.category == "unknown"
        ]
        for order_ref, order_lines in by_order.items():
            vals_list += self._settlement_order_exception_vals(order_ref, order_lines)
        vals_list += self._settlement_unsettled_exception_vals(by_order)
        for vals in vals_list:
            vals.update(channel_id=self.id, company_id=self.company_id.id)
        return vals_list

    def _settlement_unknown_fee_exception_vals(self, line):
        return {
            "exception_type": "unknown_fee",
            "settlement_id": line.settlement_id.id,
            "settlement_line_id": line.id,
            "sale_order_id": line.sale_order_id.id,
            "order_ref": line.order_ref,
            "amount_settled": line.amount,
            "message": self.env._(
                "Unknown fee type %(code)s (%(name)s)",
                code=line.fee_code,
                name=line.name,
            ),
        }

    def _settlement_order_exception_vals(self, order_ref, order_lines):
        """The exceptions of one settled order (its settlement lines): settled but
        not invoiced, an amount difference, a refund without a credit note."""
        order = order_lines.sale_order_id[:1]
        invoices, refunds = self._settlement_order_invoices(order)
        sales = sum(
            order_lines.filtered(
                lambda x: x.category != "refund" and x._is_order_side()
            ).mapped("amount")
        )
        refunded = -sum(
            order_lines.filtered(lambda x: x.category == "refund").mapped("amount")
        )
        common = {
            "settlement_id": order_lines[:1].settlement_id.id,
            "settlement_line_id": order_lines[:1].id,
            "sale_order_id": order.id,
            "order_ref": order_ref,
        }
        vals_list = []
        if sales and not invoices:
            vals_list.append(
                dict(
                    common,
                    exception_type="settled_not_invoiced",
                    amount_settled=sales,
                    message=self.env._(
                        "Order %(order)s is settled but not invoiced",
                        order=order_ref,
                    ),
                )
            )
        elif invoices:
            vals_list += self._settlement_amount_exception_vals(common, invoices, sales)
        if refunded > 0 and not refunds:
            vals_list.append(
                dict(
                    common,
                    exception_type="refund_without_credit_note",
                    invoice_id=invoices[:1].id,
                    amount_settled=-refunded,
                    message=self.env._(
                        "Order %(order)s: %(amount)s refunded by the marketplace, "
                        "no credit note",
                        order=common["order_ref"],
                        amount=refunded,
                    ),
                )
            )
        return vals_list

    def _settlement_amount_exception_vals(self, common, invoices, sales):
        """An amount difference between an order's invoices and its settled sales
        beyond the channel's tolerance (a list of zero or one values)."""
        invoiced = sum(invoices.mapped("amount_total"))
        tolerance = self.settlement_tolerance or 0.0
        if not sales or (
            float_compare(abs(invoiced - sales), tolerance, precision_digits=2) <= 0
        ):
            return []
        return [
            dict(
                common,
                exception_type="amount_difference",
                invoice_id=invoices[:1].id,
                amount_expected=invoiced,
                amount_settled=sales,
                message=self.env._(
                    "Order %(order)s: invoiced %(invoiced)s, settled %(settled)s",
                    order=common["order_ref"],
                    invoiced=invoiced,
                    settled=sales,
                ),
            )
        ]

    def _settlement_unsettled_exception_vals(self, by_order):
        """The invoices of the channel not settled N days after their date (none of
        their orders is in ``by_order``, the settled orders)."""
        today = fields.Date.context_today(self)
        limit = today - timedelta(days=self.settlement_ageing_days or 0)
        invoices = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("invoice_date", "<=", limit),
                ("company_id", "=", self.company_id.id),
                ("line_ids.sale_line_ids.order_id.channel_id", "=", self.id),
            ]
        )
        vals_list = []
        for invoice in invoices:
            orders = invoice.line_ids.sale_line_ids.order_id
            if any(o.channel_order_ref in by_order for o in orders):
                continue
            days = (today - invoice.invoice_date).days
            vals_list.append(
                {
                    "exception_type": "invoiced_not_settled",
                    "invoice_id": invoice.id,
                    "sale_order_id": orders[:1].id,
                    "order_ref": orders[:1].channel_order_ref,
                    "amount_expected": invoice.amount_total,
                    "age_days": days,
                    "message": self.env._(
                        "Invoice %(invoice)s is not settled %(days)s days after "
                        "its date",
                        invoice=invoice.name,
                        days=days,
                    ),
                }
            )
        return vals_list

    def _settlement_refresh_exceptions(self):
        Exception_ = self.env["channel.settlement.exception"].sudo()
        for channel in self:
            Exception_.search([("channel_id", "=", channel.id)]).unlink()
            Exception_.create(channel._settlement_exception_vals())
        return True

    def action_settlement_check(self):
        self._settlement_refresh_exceptions()
        return self.action_settlement_exceptions()
