import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, float_compare

from odoo.addons.queue_job.job import identity_exact

_logger = logging.getLogger(__name__)

#: the touchless cron dispatches at most this many orders a run, in jobs of
#: TOUCHLESS_CHUNK orders (the rest at once in the next run: see _notify_progress)
TOUCHLESS_RUN_LIMIT = 500
TOUCHLESS_CHUNK = 20
#: an order handed to a job is not dispatched again for this long (the job's
#: lease: a job that never ran gives its orders back after it)
TOUCHLESS_LEASE = timedelta(hours=1)
#: after the n-th failed attempt in a row, the next one waits
#: TOUCHLESS_BACKOFF * 2 ** (n - 1), at most TOUCHLESS_BACKOFF_MAX
TOUCHLESS_BACKOFF = timedelta(minutes=5)
TOUCHLESS_BACKOFF_MAX = timedelta(days=1)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    dropship_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Drop-ship Currency"
    )
    dropship_delivery_charge = fields.Monetary(
        string="Drop-ship Delivery Charge",
        currency_field="dropship_currency_id",
        copy=False,
        readonly=True,
        help="What the distributors charge for delivery, as planned.",
    )
    dropship_cost = fields.Monetary(
        string="Drop-ship Cost",
        currency_field="dropship_currency_id",
        copy=False,
        readonly=True,
        help="Goods from the distributors plus their delivery charges, as planned.",
    )
    dropship_attempt_count = fields.Integer(
        string="Drop-ship Failed Attempts",
        copy=False,
        readonly=True,
        help="Touchless channels: how many times in a row the scheduled action "
        "could not ship the order.",
    )
    dropship_next_attempt = fields.Datetime(
        string="Next Drop-ship Attempt",
        copy=False,
        readonly=True,
        index=True,
        help="Touchless channels: the scheduled action does not try to ship the "
        "order before this time (it failed and backs off, or a job is on it).",
    )
    dropship_line_count = fields.Integer(compute="_compute_dropship_line_count")
    dropship_transmission_count = fields.Integer(
        compute="_compute_dropship_transmission_count"
    )

    def _compute_dropship_line_count(self):
        candidates = self.order_line._dropship_candidates()
        for order in self:
            order.dropship_line_count = len(order.order_line & candidates)

    def _compute_dropship_transmission_count(self):
        for order in self:
            order.dropship_transmission_count = len(
                order._dropship_purchase_orders().dropship_transmission_ids
            )

    # ------------------------------------------------------------------ planner
    def _dropship_plan(self, lines=None, realtime=True, offers=None):
        """The auto-fulfil plan of the order: per drop-ship line the distributor
        that ships it (the user's choice on the line always wins; otherwise in
        stock first, then the lowest landed cost - price plus the delivery charge
        of the line's weight -, then the shortest lead time), and per distributor
        the delivery charge of its whole shipment. JSON-serialisable.
        ``offers``: the distributors' offers for the lines' products
        (``dropship.distributor._dropship_offers``) when already asked."""
        self.ensure_one()
        company = self.company_id
        if lines is None:
            lines = self.order_line._dropship_candidates()
        if offers is None:
            offers = (
                self.env["dropship.distributor"]
                .with_company(company)
                ._dropship_offers(lines.product_id, realtime=realtime, company=company)
            )
        country = self.partner_shipping_id.country_id
        plan_lines, groups = [], {}
        for line in lines:
            qty = line.product_uom._compute_quantity(
                line.product_uom_qty, line.product_id.uom_id
            )
            weight = line.product_id.weight * qty
            candidates = []
            for offer in offers.get(line.product_id.id, []):
                charge = offer["distributor"]._dropship_delivery_charge(weight, country)
                candidates.append(
                    {
                        "offer": offer,
                        "in_stock": offer["stock"] >= qty,
                        "delivery_charge": charge,
                        "landed_cost": offer["price_company"] * qty + charge,
                    }
                )
            choice, reason = None, "no_offer"
            if line.dropship_distributor_id:
                reason = "user_choice"
                choice = next(
                    (
                        c
                        for c in candidates
                        if c["offer"]["distributor"] == line.dropship_distributor_id
                    ),
                    None,
                )
            elif candidates:
                choice = min(
                    candidates,
                    key=lambda c: (
                        not c["in_stock"],
                        company.currency_id.round(c["landed_cost"]),
                        c["offer"]["lead_time_days"],
                        c["offer"]["distributor"].name or "",
                    ),
                )
                reason = "best" if choice["in_stock"] else "no_stock"
            distributor = (
                choice["offer"]["distributor"]
                if choice
                else line.dropship_distributor_id
            )
            plan_line = {
                "line_id": line.id,
                "product_id": line.product_id.id,
                "sku": line.product_id.default_code or None,
                "quantity": qty,
                "weight_kg": weight,
                "distributor_id": distributor.id or False,
                "distributor": distributor.name or None,
                "reason": reason,
                "part_number": choice["offer"]["part_number"] if choice else None,
                "unit_price": choice["offer"]["price"] if choice else None,
                "currency": choice["offer"]["currency"].name if choice else None,
                "stock": choice["offer"]["stock"] if choice else None,
                "in_stock": choice["in_stock"] if choice else False,
                "lead_time_days": choice["offer"]["lead_time_days"] if choice else None,
                "source": choice["offer"]["source"] if choice else None,
                "landed_cost": company.currency_id.round(choice["landed_cost"])
                if choice
                else None,
                "candidates": [
                    {
                        "distributor_id": c["offer"]["distributor"].id,
                        "distributor": c["offer"]["distributor"].name,
                        "unit_price": c["offer"]["price"],
                        "stock": c["offer"]["stock"],
                        "in_stock": c["in_stock"],
                        "lead_time_days": c["offer"]["lead_time_days"],
                        "delivery_charge": c["delivery_charge"],
                        "landed_cost": company.currency_id.round(c["landed_cost"]),
                        "source": c["offer"]["source"],
                    }
                    for c in candidates
                ],
            }
            plan_lines.append(plan_line)
            if distributor:
                group = groups.setdefault(
                    distributor,
                    {
                        "distributor_id": distributor.id,
                        "distributor": distributor.name,
                        "weight_kg": 0.0,
                        "goods_cost": 0.0,
                        "line_ids": [],
                    },
                )
                group["weight_kg"] += weight
                group["line_ids"].append(line.id)
                if choice:
                    group["goods_cost"] += choice["offer"]["price_company"] * qty
        for distributor, group in groups.items():
            group["delivery_charge"] = distributor._dropship_delivery_charge(
                group["weight_kg"], country
            )
            group["goods_cost"] = company.currency_id.round(group["goods_cost"])
        shipments = list(groups.values())
        delivery = sum(g["delivery_charge"] for g in shipments)
        goods = sum(g["goods_cost"] for g in shipments)
        return {
            "order_id": self.id,
            "order": self.name,
            "currency": company.currency_id.name,
            "lines": plan_lines,
            "shipments": shipments,
            "delivery_charge": company.currency_id.round(delivery),
            "total_cost": company.currency_id.round(goods + delivery),
        }

    def _dropship_apply_plan(self, plan):
        """Store the plan on the lines and the order."""
        self.ensure_one()
        for item in plan["lines"]:
            line = self.order_line.browse(item["line_id"])
            vals = {
                "dropship_planned_distributor_id": item["distributor_id"],
                "dropship_landed_cost": item["landed_cost"] or 0.0,
            }
            if item["unit_price"] is not None:
                # the cost typed by the user is kept (it is then "edited") unless
                # the line moves to another distributor
                if not line.dropship_feed_price:
                    keep = bool(line.dropship_unit_cost)
                else:
                    keep = line.dropship_cost_edited and (
                        line.dropship_planned_distributor_id.id
                        == item["distributor_id"]
                    )
                vals["dropship_feed_price"] = item["unit_price"]
                if not keep:
                    vals["dropship_unit_cost"] = item["unit_price"]
            line.write(vals)
        self.write(
            {
                "dropship_delivery_charge": plan["delivery_charge"],
                "dropship_cost": plan["total_cost"],
            }
        )
        return plan

    def action_dropship_plan(self):
        for order in self:
            order._dropship_apply_plan(order._dropship_plan())
        return True

    # ------------------------------------------------------------------ ship
    def _dropship_purchase_orders(self):
        return self.sudo().order_line.purchase_line_ids.order_id.filtered(
            "dropship_distributor_id"
        )

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
        # the distributors are asked once for the products of all the orders
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

    @api.model
    def _dropship_touchless_domain(self):
        """The lines the touchless cron ships: drop-ship goods lines of confirmed
        orders of touchless channels that have no purchase line yet."""
        return [
            ("order_id.state", "=", "sale"),
            ("order_id.channel_id.processing_policy", "=", "touchless"),
            ("display_type", "=", False),
            ("product_id.type", "=", "consu"),
            ("purchase_line_ids", "=", False),
        ]

    def _dropship_touchless_pending(self):
        """These orders that still have drop-ship lines for the touchless cron."""
        lines = self.env["sale.order.line"].search(
            [("order_id", "in", self.ids), *self._dropship_touchless_domain()]
        )
        return lines._dropship_candidates().order_id

    @api.model
    def _cron_dropship_touchless(
        self, limit=TOUCHLESS_RUN_LIMIT, chunk_size=TOUCHLESS_CHUNK
    ):
        """Dispatch the touchless drop-ship orders that are due to jobs of
        ``chunk_size`` orders (:meth:`_dropship_touchless_job`), at most ``limit``
        orders a run. Due: never tried, or their back-off is over. Oldest first,
        by when they became due (confirmation, or end of the back-off), so an
        order that keeps failing never holds the newer ones up.
        Must be called from ir.cron; returns the orders dispatched."""
        now = fields.Datetime.now()
        lines = self.env["sale.order.line"].search(
            [
                *self._dropship_touchless_domain(),
                "|",
                ("order_id.dropship_next_attempt", "=", False),
                ("order_id.dropship_next_attempt", "<=", now),
            ]
        )
        due = lines._dropship_candidates().order_id.sorted(
            lambda o: (o.dropship_next_attempt or o.date_order, o.id)
        )
        dispatched = due[:limit]
        for index in range(0, len(dispatched), chunk_size):
            dispatched[index : index + chunk_size]._dropship_touchless_enqueue(now)
        self.env["ir.cron"]._notify_progress(
            done=len(dispatched), remaining=len(due) - len(dispatched)
        )
        return dispatched

    def _dropship_touchless_enqueue(self, now):
        """One job ships these orders; they are not dispatched again while it
        holds them (:data:`TOUCHLESS_LEASE`)."""
        self.write({"dropship_next_attempt": now + TOUCHLESS_LEASE})
        return self.with_delay(
            identity_key=identity_exact,
            description=self.env._(
                "Drop-ship touchless orders %s", ", ".join(self.mapped("name"))
            ),
        )._dropship_touchless_job()

    def _dropship_touchless_job(self):
        """Ship these touchless orders (queue job of the touchless cron). Orders
        another job is shipping are left to it; an order that is not shipped
        (its error is logged and noted in its chatter) backs off: its next
        attempt waits longer after each failure in a row."""
        locked = self._dropship_lock_for_ship()
        orders = locked._dropship_touchless_pending()
        shipped, failures = orders._dropship_ship_isolated()
        # an order with lines left to ship (e.g. no distributor offers one) failed
        # too: it would come back every run
        failed = self.browse([o.id for o in failures]) | (
            orders._dropship_touchless_pending()
        )
        (locked - failed).write(
            {"dropship_attempt_count": 0, "dropship_next_attempt": False}
        )
        failed._dropship_back_off()
        return self.env._(
            "%(shipped)s order(s) shipped, %(failed)s backing off: %(names)s",
            shipped=len(shipped - failed),
            failed=len(failed),
            names=", ".join(failed.mapped("name")) or "-",
        )

    def _dropship_lock_for_ship(self):
        """These orders, but those whose row another transaction holds (a job
        shipping them already): they are locked until the end of this one."""
        if not self:
            return self
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        return self.browse([row[0] for row in rows])

    def _dropship_back_off(self):
        """One more failed attempt: the next one waits twice as long as the
        previous one (:data:`TOUCHLESS_BACKOFF`, at most
        :data:`TOUCHLESS_BACKOFF_MAX`)."""
        now = fields.Datetime.now()
        for order in self:
            count = order.dropship_attempt_count + 1
            delay = min(
                TOUCHLESS_BACKOFF * 2 ** min(count - 1, 16), TOUCHLESS_BACKOFF_MAX
            )
            order.write(
                {"dropship_attempt_count": count, "dropship_next_attempt": now + delay}
            )
            _logger.info(
                "Drop-ship touchless order %s not shipped (attempt %s): next "
                "attempt after %s",
                order.name,
                count,
                order.dropship_next_attempt,
            )

    def action_view_dropship_transmissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "supplier_dropship.dropship_po_transmission_action"
        )
        action["domain"] = [
            ("purchase_order_id", "in", self._dropship_purchase_orders().ids)
        ]
        return action
