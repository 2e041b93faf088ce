"""sale.order: the auto-fulfil planner (which distributor ships each drop-ship
line, the delivery charge of each shipment) and the storing of its plan."""

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

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
            plan_line, choice, distributor = self._dropship_plan_line(
                line, offers.get(line.product_id.id, []), country
            )
            plan_lines.append(plan_line)
            if distributor:
                self._dropship_plan_add_to_shipment(
                    groups, distributor, line, plan_line, choice
                )
        return self._dropship_plan_result(plan_lines, groups, country)

    def _dropship_plan_line(self, line, offers, country):
        """``(plan line, chosen candidate or None, distributor)`` of the
        drop-ship ``line`` among the distributors' ``offers`` for its product."""
        qty = line.product_uom._compute_quantity(
            line.product_uom_qty, line.product_id.uom_id
        )
        weight = line.product_id.weight * qty
        candidates = [
            self._dropship_plan_candidate(offer, qty, weight, country)
            for offer in offers
        ]
        choice, reason = self._dropship_plan_choice(line, candidates)
        distributor = (
            choice["offer"]["distributor"] if choice else line.dropship_distributor_id
        )
        rounding = self.company_id.currency_id.round
        offer = choice["offer"] if choice else {}
        plan_line = {
            "line_id": line.id,
            "product_id": line.product_id.id,
            "sku": line.product_id.default_code or None,
            "quantity": qty,
            "weight_kg": weight,
            "distributor_id": distributor.id or False,
            "distributor": distributor.name or None,
            "reason": reason,
            "part_number": offer.get("part_number"),
            "unit_price": offer.get("price"),
            "currency": offer["currency"].name if choice else None,
            "stock": offer.get("stock"),
            "in_stock": choice["in_stock"] if choice else False,
            "lead_time_days": offer.get("lead_time_days"),
            "source": offer.get("source"),
            "landed_cost": rounding(choice["landed_cost"]) if choice else None,
            "candidates": [self._dropship_plan_candidate_vals(c) for c in candidates],
        }
        return plan_line, choice, distributor

    def _dropship_plan_candidate(self, offer, qty, weight, country):
        """A distributor's ``offer`` for ``qty`` units (``weight`` kg) shipped to
        ``country``: in stock or not, its delivery charge and landed cost."""
        charge = offer["distributor"]._dropship_delivery_charge(weight, country)
        return {
            "offer": offer,
            "in_stock": offer["stock"] >= qty,
            "delivery_charge": charge,
            "landed_cost": offer["price_company"] * qty + charge,
        }

    def _dropship_plan_choice(self, line, candidates):
        """``(candidate or None, reason)``: the user's distributor on ``line``,
        else in stock first, the lowest landed cost, the shortest lead time."""
        if line.dropship_distributor_id:
            choice = next(
                (
                    c
                    for c in candidates
                    if c["offer"]["distributor"] == line.dropship_distributor_id
                ),
                None,
            )
            return choice, "user_choice"
        if not candidates:
            return None, "no_offer"
        currency = self.company_id.currency_id
        choice = min(
            candidates,
            key=lambda c: (
                not c["in_stock"],
                currency.round(c["landed_cost"]),
                c["offer"]["lead_time_days"],
                c["offer"]["distributor"].name or "",
            ),
        )
        return choice, "best" if choice["in_stock"] else "no_stock"

    def _dropship_plan_candidate_vals(self, candidate):
        """The JSON of a candidate of a plan line."""
        offer = candidate["offer"]
        return {
            "distributor_id": offer["distributor"].id,
            "distributor": offer["distributor"].name,
            "unit_price": offer["price"],
            "stock": offer["stock"],
            "in_stock": candidate["in_stock"],
            "lead_time_days": offer["lead_time_days"],
            "delivery_charge": candidate["delivery_charge"],
            "landed_cost": self.company_id.currency_id.round(candidate["landed_cost"]),
            "source": offer["source"],
        }

    def _dropship_plan_add_to_shipment(self, groups, distributor, line, item, choice):
        """Add the plan line ``item`` of ``line`` to the shipment of
        ``distributor`` in ``groups`` ({distributor: shipment})."""
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
        group["weight_kg"] += item["weight_kg"]
        group["line_ids"].append(line.id)
        if choice:
            group["goods_cost"] += choice["offer"]["price_company"] * item["quantity"]

    def _dropship_plan_result(self, plan_lines, groups, country):
        """The plan of the order: its lines, its shipments (``groups``) with
        their delivery charges to ``country``, and the totals."""
        currency = self.company_id.currency_id
        for distributor, group in groups.items():
            group["delivery_charge"] = distributor._dropship_delivery_charge(
                group["weight_kg"], country
            )
            group["goods_cost"] = currency.round(group["goods_cost"])
        shipments = list(groups.values())
        delivery = sum(g["delivery_charge"] for g in shipments)
        goods = sum(g["goods_cost"] for g in shipments)
        return {
            "order_id": self.id,
            "order": self.name,
            "currency": currency.name,
            "lines": plan_lines,
            "shipments": shipments,
            "delivery_charge": currency.round(delivery),
            "total_cost": currency.round(goods + delivery),
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
