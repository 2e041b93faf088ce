"""omni.channel: orders created, updated, processed and cancelled from a page."""

import psycopg2

from odoo import models
from odoo.exceptions import UserError, ValidationError

from .omni_channel import _logger


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- upsert ------------------------------------------------------------------
    def _import_normalised(
        self, normalised_list, adapter=None, defer_locked=False, isolate=False
    ):
        """Create or update the orders of ``normalised_list`` (normalised dicts) in
        batch: one prefetch of bindings, partners, products and mappings, one
        ``create`` for the new orders. An older version never overwrites a newer one.
        ``defer_locked``: orders locked by another worker are left to a job.
        ``isolate``: an order that fails is logged (with its Retry) and the others
        are stored."""
        self.ensure_one()
        adapter = adapter or self._get_adapter()
        result = {"created": 0, "updated": 0, "stale": 0, "conflicts": 0}
        if not normalised_list:
            return result
        external_ids = [n["external_id"] for n in normalised_list]
        bindings, orders = self._import_prefetch(external_ids)
        to_create, to_update = [], []
        locked = self._connector_try_locks(external_ids) if defer_locked else ()
        for normalised in normalised_list:
            external_id = normalised["external_id"]
            if defer_locked and external_id not in locked:
                self._enqueue_import(
                    external_id, normalised["updated_at"], normalised["raw"]
                )
                continue
            binding = bindings.get(external_id)
            order = orders.get(external_id) or (binding.order_id if binding else None)
            newest = max(
                filter(
                    None,
                    [
                        binding.external_updated_at if binding else None,
                        order.channel_updated_at if order else None,
                    ],
                ),
                default=None,
            )
            if newest and normalised["updated_at"] <= newest:
                result["stale"] += 1
                continue
            if order:
                to_update.append((order, binding, normalised))
            else:
                to_create.append(normalised)
        if to_create:
            created, conflicts = self._import_create(to_create, adapter)
            result["created"] += created
            result["conflicts"] += conflicts
        result["updated"] += self._import_updates(to_update, adapter, isolate)
        return result

    def _import_prefetch(self, external_ids):
        """The channel's bindings and orders of these order numbers: ({order
        number: binding}, {order number: sale order})."""
        bindings = {
            b.external_id: b
            for b in self.env["channel.order.binding"].search(
                [("channel_id", "=", self.id), ("external_id", "in", external_ids)]
            )
        }
        orders = {
            o.channel_order_ref: o
            for o in self.env["sale.order"].search(
                [
                    ("channel_id", "=", self.id),
                    ("channel_order_ref", "in", external_ids),
                ]
            )
        }
        return bindings, orders

    def _import_updates(self, to_update, adapter, isolate=False):
        """Update the existing orders ([(order, binding, normalised)]); with
        ``isolate`` an order that fails is logged and the others are stored.
        Returns how many were updated."""
        updated = 0
        for order, binding, normalised in to_update:
            if not isolate:
                self._import_update(order, binding, normalised, adapter)
                updated += 1
                continue
            try:
                self._import_update(order, binding, normalised, adapter)
            except (UserError, ValueError, TypeError, KeyError) as exc:
                self._connector_log_import_failure(normalised, exc, "order/update")
            else:
                updated += 1
        return updated

    def _connector_log_import_failure(self, normalised, exc, operation):
        """One order of a page could not be stored: logged with its Retry (one
        job for that order), the rest of the page goes on."""
        _logger.info("Order %s not imported: %s", normalised.get("external_id"), exc)
        external_id = normalised["external_id"]
        self._connector_log(
            "import",
            operation,
            state="failed",
            message=str(exc) or repr(exc),
            payload=normalised.get("raw"),
            external_ref=external_id,
            retry=("_import_order_job", [external_id, None, None]),
        )

    def _import_cache(self, normalised_list):
        """Everything a page of orders needs, read once: customers and delivery
        contacts, SKU and item mappings, branch mappings, countries."""
        customers = [n.get("customer") or {} for n in normalised_list]
        partners = self._connector_find_partners(customers)
        shipping = self._connector_shipping_partners(normalised_list, partners)
        skus = {line["sku"] for n in normalised_list for line in n["lines"]}
        sku_map = {
            m.channel_sku: m.product_id
            for m in self.env["omni.channel.product"].search(
                [("channel_id", "=", self.id), ("channel_sku", "in", list(skus))]
            )
        }
        mappings = self.field_mapping_ids
        return {
            "partners": partners,
            "shipping": shipping,
            "sku_map": sku_map,
            "item_map": {
                m.external_key: m.product_id
                for m in mappings
                if m.kind == "item" and m.product_id
            },
            "branch_map": {
                m.external_key: m.warehouse_id
                for m in mappings
                if m.kind == "branch" and m.warehouse_id
            },
            "placeholder": self.env.ref(
                "omnichannel_orders.product_unlinked_channel_item"
            ),
            # Odoo looks for analytic distribution models line by line; with none
            # in the company, every line's distribution is empty: said once
            "no_analytic_model": not self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count([("company_id", "in", [self.company_id.id, False])], limit=1),
        }

    def _import_create(self, normalised_list, adapter):
        cache = self._import_cache(normalised_list)
        vals_list, kept = [], []
        for normalised in normalised_list:
            try:
                vals_list.append(self._prepare_order_vals(normalised, cache=cache))
            except (UserError, ValueError, TypeError, KeyError) as exc:
                self._connector_log_import_failure(normalised, exc, "order/create")
            else:
                kept.append(normalised)
        normalised_list = kept
        if not vals_list:
            return 0, 0
        # the job's user does not follow every imported order (the salesperson
        # and the team do, through Odoo's auto-subscription)
        SaleOrder = self.env["sale.order"].with_context(
            omni_no_auto_process=True,
            connector_no_export=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
        )
        conflicts = 0
        try:
            with self.env.cr.savepoint():
                orders = SaleOrder.create(vals_list)
                pairs = list(zip(orders, normalised_list, strict=True))
        except (psycopg2.IntegrityError, UserError, ValueError, TypeError) as exc:
            # one bad order must not sink the page: again, one by one
            _logger.info("Batch create failed (%s), creating one by one", exc)
            pairs = []
            for vals, normalised in zip(vals_list, normalised_list, strict=True):
                try:
                    with self.env.cr.savepoint():
                        pairs.append((SaleOrder.create([vals]), normalised))
                except psycopg2.IntegrityError:
                    conflicts += 1
                    self._enqueue_import(
                        normalised["external_id"],
                        normalised["updated_at"],
                        normalised["raw"],
                    )
                except (UserError, ValueError, TypeError) as err:
                    self._connector_log_import_failure(normalised, err, "order/create")
        if not pairs:
            return 0, conflicts
        self.env["channel.order.binding"].create(
            [self._prepare_binding_vals(order, n) for order, n in pairs]
        )
        self._connector_book_rounding(
            self.env["sale.order"].union(*[order for order, _n in pairs])
        )
        self._import_after_write(pairs, adapter, new=True)
        products = (
            self.env["product.product"].union(
                *[order.order_line.product_id for order, _n in pairs]
            )
            - cache["placeholder"]
        )
        if products:
            self._omni_stock_changed(products)
        return len(pairs), conflicts

    def _import_update(self, order, binding, normalised, adapter):
        with self.env.cr.savepoint():
            vals = self._prepare_order_update_vals(normalised, order)
            if vals and order.channel_edited_fields:
                vals = order._connector_keep_edited(vals)
            order.with_context(connector_no_export=True).write(vals)
            self._connector_resync_money_lines(order, normalised, vals)
            if binding:
                binding.write(self._prepare_binding_vals(order, normalised))
            else:
                self.env["channel.order.binding"].create(
                    self._prepare_binding_vals(order, normalised)
                )
            self._import_after_write([(order, normalised)], adapter, new=False)

    def _import_after_write(self, pairs, adapter, new):
        """Channel-side events: cancellation requests, cancellations, and orders
        that become processable (touchless channels confirm them)."""
        to_process = self.env["sale.order"]
        to_cancel, normalised_of = [], {}
        for order, normalised in pairs:
            status = normalised.get("status")
            if status in adapter.cancelled_statuses:
                if order.state != "cancel" and order.lifecycle_state != "fulfilled":
                    to_cancel.append((order, normalised))
                continue
            if normalised.get("cancel_requested"):
                order._omni_register_cancel_request(
                    normalised.get("cancel_reason") or False
                )
            if status not in adapter.hold_statuses and order.state in ("draft", "sent"):
                to_process |= order
                normalised_of[order.id] = normalised
        if to_cancel:
            self._import_cancel(to_cancel)
        if to_process:
            self._import_process(to_process, normalised_of)

    def _import_process(self, orders, normalised_of):
        """Process the orders that became processable (touchless channels confirm,
        and maybe invoice, them), as sale_automatic_workflow does: the whole batch
        in one savepoint, else order by order, each in its own savepoint. An order
        that cannot be processed stays stored as it came (a quotation): the reason
        goes to the sync log and to a To-Do on the order, the others go on.
        ``normalised_of``: {order id: the normalised order it was stored from}."""
        try:
            with self.env.cr.savepoint():
                orders._omni_process_new_orders()
            return
        except (UserError, ValidationError) as exc:
            if len(orders) == 1:
                self._connector_log_process_failure(
                    orders, normalised_of[orders.id], exc
                )
                return
            _logger.info("Batch processing failed (%s), processing one by one", exc)
        for order in orders:
            try:
                with self.env.cr.savepoint():
                    order._omni_process_new_orders()
            except (UserError, ValidationError) as exc:
                self._connector_log_process_failure(order, normalised_of[order.id], exc)

    def _connector_log_process_failure(self, order, normalised, exc):
        """A stored order could not be processed (confirmed, invoiced): said in
        the sync log and, once, in a To-Do for its salesperson (else the
        channel's team leader)."""
        _logger.info("Order %s stored but not processed: %s", order.name, exc)
        message = self.env._(
            "Order %(order)s was stored but could not be confirmed: %(error)s",
            order=order.name,
            error=str(exc) or repr(exc),
        )
        self._connector_log(
            "import",
            "order/confirm",
            state="failed",
            message=message,
            payload=normalised.get("raw"),
            record=order,
            external_ref=normalised["external_id"],
        )
        summary = self.env._("Imported order not confirmed")
        if order.activity_ids.filtered(lambda a: a.summary == summary):
            return
        order.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=message,
            user_id=order.user_id.id or self.team_id.user_id.id or self.env.uid,
        )

    def _import_cancel(self, pairs):
        """Cancel the orders the channel cancelled: all at once, one by one when
        one of them refuses (logged)."""
        orders = self.env["sale.order"].union(*[order for order, _n in pairs])
        orders = orders.with_context(
            disable_cancel_warning=True, connector_no_export=True
        )
        if len(pairs) > 1:
            try:
                with self.env.cr.savepoint():
                    orders._action_cancel()
                return
            except UserError:
                _logger.info("Batch cancel failed, cancelling one by one")
        for order, normalised in pairs:
            try:
                with self.env.cr.savepoint():
                    order.with_context(
                        disable_cancel_warning=True, connector_no_export=True
                    )._action_cancel()
            except UserError as exc:
                self._connector_log(
                    "import",
                    "order/cancel",
                    state="failed",
                    message=str(exc),
                    record=order,
                    external_ref=normalised["external_id"],
                )
