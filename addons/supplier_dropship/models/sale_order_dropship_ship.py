"""sale.order: the Ship button. The drop-ship lines are planned and procured
through the Dropship route (one purchase order per distributor and order,
confirmed), then transmitted; several orders are shipped together, and one that
cannot be shipped never stops the others."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import float_compare

from .sale_order import _logger


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_dropship_ship(self):
        """The Ship button: drop-ship purchase orders through Odoo's Dropship
        route, one per distributor and order, confirmed and transmitted. Pressing
        it again neither duplicates a purchase order nor a transmission.

        On one order its error is shown. On several orders they are shipped
        together (see :meth:`_dropship_ship_isolated`): an order that cannot be
        shipped is logged, noted in its chatter and listed in a notification,
        and does not stop the others."""
        if len(self) <= 1:
            self._dropship_ship_orders()
            return True
        failures = self._dropship_ship_isolated()[1]
        if not failures:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Some orders were not shipped"),
                "message": "\n".join(
                    f"{order.name}: {message}" for order, message in failures.items()
                ),
                "type": "warning",
                "sticky": True,
            },
        }

    def _dropship_ship(self):
        """Ship this order (errors propagate); its transmissions."""
        self.ensure_one()
        return self._dropship_ship_orders()

    def _dropship_ship_orders(self):
        """Ship these orders together, errors propagate: their purchase orders
        (:meth:`_dropship_procure`), then their transmissions."""
        return self._dropship_procure()._dropship_transmit()

    def _dropship_ship_error(self):
        """Why this order cannot be shipped at all, or ``False``."""
        self.ensure_one()
        if self.state != "sale":
            return self.env._("Confirm order %s before shipping it.", self.name)
        return False

    # ------------------------------------------------------------------ procure
    def _dropship_procure(self):
        """Plan the drop-ship lines of these orders still to procure, launch
        their procurement through the Dropship route at once (Odoo makes one
        purchase order per distributor and order) and confirm the new purchase
        orders at once. Nothing is transmitted. The orders' drop-ship POs."""
        for order in self:
            error = order._dropship_ship_error()
            if error:
                raise UserError(error)
        route = self.env.ref("stock_dropshipping.route_drop_shipping")
        pending_by_order = self._dropship_pending_lines()
        offers_of = self._dropship_offers_by_company(pending_by_order)
        to_procure = self._dropship_plan_pending(pending_by_order, offers_of)
        return self._dropship_launch_procurement(to_procure, route)

    def _dropship_pending_lines(self):
        """The drop-ship lines of these orders still to procure, as
        ``{order: [line id]}``."""
        pending_by_order = {}
        for line in self.order_line._dropship_candidates():
            if (
                float_compare(
                    line._dropship_qty_to_procure(),
                    0.0,
                    precision_rounding=line.product_uom.rounding,
                )
                > 0
            ):
                pending_by_order.setdefault(line.order_id, []).append(line.id)
        return pending_by_order

    def _dropship_offers_by_company(self, pending_by_order):
        """The distributors asked once for the products of all the pending lines
        (``{order: [line id]}``) of a company: ``{company: (offers, live offers
        by part)}`` (see :meth:`_dropship_live_offers_by_part`)."""
        offers_of = {}
        for company in self.company_id:
            products = self.env["sale.order.line"].browse(
                [
                    line_id
                    for order, line_ids in pending_by_order.items()
                    if order.company_id == company
                    for line_id in line_ids
                ]
            )
            if not products:
                continue
            offers = (
                self.env["dropship.distributor"]
                .with_company(company)
                ._dropship_offers(products.product_id, company=company)
            )
            offers_of[company] = (offers, self._dropship_live_offers_by_part(offers))
        return offers_of

    def _dropship_plan_pending(self, pending_by_order, offers_of):
        """Plan and store the plan of the pending lines of each order, one order
        after the other (each takes its quantities off the live stock); the lines
        that a distributor can ship. Those none can ship are noted in the
        chatter."""
        to_procure = self.env["sale.order.line"]
        for order, line_ids in pending_by_order.items():
            pending = self.env["sale.order.line"].browse(line_ids)
            offers, live_by_part = offers_of[order.company_id]
            plan = order._dropship_plan(lines=pending, offers=offers)
            order._dropship_apply_plan(plan)
            self._dropship_take_live_stock(plan, live_by_part)
            unplanned = pending.filtered(lambda line: not line._dropship_seller())
            if unplanned:
                order.message_post(
                    body=self.env._(
                        "No distributor can ship %s: not shipped.",
                        ", ".join(unplanned.product_id.mapped("display_name")),
                    )
                )
            to_procure |= pending - unplanned
        return to_procure

    def _dropship_launch_procurement(self, to_procure, route):
        """Launch the procurement of the lines ``to_procure`` through the
        Dropship ``route`` at once and confirm the draft drop-ship purchase
        orders of these orders; the orders' drop-ship POs."""
        # the vendors' subscriptions and the drop-ship pickings' origin notes of
        # all the purchase orders written in one go
        with self._omni_mail_batch() as orders:
            if to_procure:
                to_procure.filtered(lambda line: line.route_id != route).write(
                    {"route_id": route.id}
                )
                to_procure.with_env(orders.env).with_context(
                    supplier_dropship_ship=True
                )._action_launch_stock_rule()
                for line in to_procure.filtered("dropship_cost_edited"):
                    line.sudo().purchase_line_ids.filtered(
                        lambda p: p.state in ("draft", "sent")
                    )._dropship_apply_agreed_cost(line)
            purchases = orders._dropship_purchase_orders()
            purchases.filtered(lambda o: o.state in ("draft", "sent")).button_confirm()
        return purchases.with_env(self.env)

    @api.model
    def _dropship_live_offers_by_part(self, offers):
        """The real-time offers of ``offers`` by (distributor id, part number)."""
        by_part = {}
        for product_offers in offers.values():
            for offer in product_offers:
                if offer["source"] == "realtime":
                    key = (offer["distributor"].id, offer["part_number"])
                    by_part.setdefault(key, []).append(offer)
        return by_part

    @api.model
    def _dropship_take_live_stock(self, plan, live_by_part):
        """Take the quantities of ``plan`` off the live stock of the offers (see
        :meth:`_dropship_live_offers_by_part`), as the distributor does when it
        accepts the purchase order: the next orders planned in the same Ship see
        what is left, as when orders were shipped one after the other."""
        for item in plan["lines"]:
            if item["source"] != "realtime":
                continue
            for offer in live_by_part.get(
                (item["distributor_id"], item["part_number"]), []
            ):
                offer["stock"] = max(offer["stock"] - item["quantity"], 0)

    # ------------------------------------------------------------------ isolation
    def _dropship_ship_isolated(self):
        """Ship these orders, per company all at once; when that fails, order by
        order, each in a savepoint, so that one order that cannot be shipped
        never stops the others: it is logged and noted in its chatter. The
        purchase orders are transmitted after they are all confirmed.
        ``(shipped orders, {order: error message})``."""
        failures = {}
        shipped = self.browse()
        for company in self.company_id:
            orders = self.filtered(lambda o, c=company: o.company_id == c)
            orders = orders.with_company(company)
            errors = {order: order._dropship_ship_error() for order in orders}
            for order, error in errors.items():
                if error:
                    order._dropship_ship_failed(error, failures)
            orders = orders.filtered(lambda o, e=errors: not e[o])
            procured = orders._dropship_procure_isolated(failures)
            procured._dropship_purchase_orders()._dropship_transmit()
            shipped |= procured
        return shipped.with_env(self.env), failures

    def _dropship_procure_isolated(self, failures):
        """:meth:`_dropship_procure` of these orders in one savepoint; when it
        fails, of each order in its own savepoint. The failures go to
        ``failures``; the orders procured."""
        if not self:
            return self
        try:
            with self.env.cr.savepoint():
                self._dropship_procure()
            return self
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception as exc:
            if len(self) == 1:
                self._dropship_ship_failed(exc, failures)
                return self.browse()
            _logger.info(
                "Drop-ship Ship of %s orders at once failed (%s): shipping them "
                "one by one",
                len(self),
                exc,
            )
        procured = self.browse()
        for order in self:
            try:
                with self.env.cr.savepoint():
                    order._dropship_procure()
                procured |= order
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as exc:
                order._dropship_ship_failed(exc, failures)
        return procured

    def _dropship_ship_failed(self, error, failures):
        """Report that this order was not shipped: log, chatter, ``failures``."""
        self.ensure_one()
        if isinstance(error, UserError):  # ValidationError included
            error = error.args[0] if error.args else str(error)
        if isinstance(error, Exception):
            message = str(error) or repr(error)
            _logger.exception("Drop-ship Ship of %s failed", self.name)
        else:
            message = error
            _logger.warning("Drop-ship Ship of %s failed: %s", self.name, message)
        failures[self] = message
        self.message_post(
            body=self.env._("Not shipped to the distributors: %s", message)
        )
