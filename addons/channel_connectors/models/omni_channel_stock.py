"""omni.channel: stock pushed to the channels.

One free quantity per product and channel (:meth:`_connector_free_qty`): on hand
in the channel's source warehouses, minus what is reserved there (Odoo's
``free_qty``), minus the confirmed outgoing demand from those warehouses that is
not reserved yet (a move waiting for goods, a picking type that reserves
manually), minus what buffered orders of every channel of the company hold in
those warehouses (imported, not confirmed: nothing reserved), in the product's
unit of measure.

A change (an order stored, confirmed or cancelled, a done move, a link) flags the
mappings of its products on every connector channel of the company
(:meth:`_connector_stock_fanout`) and enqueues one debounced push job per channel
(an identity key per channel): a burst of changes becomes one job per channel,
which sends the flagged SKUs whose quantity changed, in the platform's batches.
"""

import json
from collections import defaultdict

from odoo import api, fields, models

#: confirmed outgoing moves whose demand may not be reserved yet
OPEN_MOVE_STATES = ("waiting", "confirmed", "partially_available")


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- fan-out -------------------------------------------------------------------
    def _omni_stock_changed(self, products):
        res = super()._omni_stock_changed(products)
        if products and self:
            self._connector_stock_fanout(products, self.company_id)
        return res

    @api.model
    def _connector_stock_fanout(self, products, companies):
        """The free quantity of ``products`` may have changed in ``companies``:
        flag their mappings on every channel of those companies that pushes
        stock, and enqueue one push per channel. Returns the channels."""
        products = products.filtered("id")
        if not products or not companies:
            return self.browse()
        mappings = (
            self.env["omni.channel.product"]
            .sudo()
            .search(
                [
                    ("product_id", "in", products.ids),
                    ("company_id", "in", companies.ids),
                    ("channel_id.stock_sync", "=", True),
                ]
            )
        )
        channels = mappings.channel_id._connector_stock_channels()
        if not channels:
            return channels
        mappings.filtered(
            lambda m: m.channel_id in channels
        )._connector_mark_stock_dirty()
        for channel in channels:
            channel._enqueue_stock_export()
        return channels

    def _connector_stock_channels(self):
        """The channels that push stock: a connector whose platform takes it."""
        return self._connector_channels().filtered(
            lambda c: c.stock_sync and c._get_adapter_class().supports("update_stock")
        )

    def _enqueue_stock_export(self):
        """Debounced: one pending stock job per channel, a few seconds ahead."""
        self.ensure_one()
        return self.with_delay(
            eta=5,
            identity_key=f"channel_connectors.stock:{self.id}",
            description=self.env._("Push stock to %(channel)s", channel=self.name),
        )._export_stock_job()

    # ---- free quantity -------------------------------------------------------------
    def _connector_free_qty(self, products, warehouses=None):
        """{product id: free quantity} in ``warehouses`` (default: the channel's
        source warehouses), in each product's unit of measure."""
        self.ensure_one()
        warehouses = warehouses or self._connector_stock_warehouses()
        if not products or not warehouses:
            return dict.fromkeys(products.ids, 0.0)
        products = (
            products.sudo()
            .with_company(self.company_id)
            .with_context(warehouse_id=warehouses.ids)
        )
        unreserved = self._connector_unreserved_demand(products)
        held = self._connector_buffered_demand(products, warehouses)
        return {
            product.id: max(
                product.free_qty
                - unreserved.get(product.id, 0.0)
                - held.get(product.id, 0.0),
                0.0,
            )
            for product in products
        }

    def _connector_unreserved_demand(self, products):
        """{product id: quantity} the open outgoing moves leaving the warehouses
        of ``products``' context still need beyond what they reserved. Only the
        first move of a chain counts (a delivery in two steps is demanded once,
        by its pick)."""
        out_domain = products._get_domain_locations()[2]
        groups = (
            self.env["stock.move"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("state", "in", OPEN_MOVE_STATES),
                    ("move_orig_ids", "=", False),
                ]
                + out_domain,
                ["product_id", "product_uom"],
                ["product_qty:sum", "quantity:sum"],
            )
        )
        demand = defaultdict(float)
        for product, uom, needed, reserved in groups:
            reserved = uom._compute_quantity(reserved, product.uom_id, round=False)
            demand[product.id] += max(needed - reserved, 0.0)
        return demand

    def _connector_buffered_demand(self, products, warehouses):
        """{product id: quantity} the buffered orders of every channel of the
        company hold in ``warehouses`` (not confirmed: Odoo reserves nothing for
        them), converted to each product's unit of measure."""
        groups = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("order_id.lifecycle_state", "=", "buffered"),
                    ("order_id.channel_id", "!=", False),
                    ("order_id.company_id", "=", self.company_id.id),
                    ("order_id.warehouse_id", "in", warehouses.ids),
                ],
                ["product_id", "product_uom"],
                ["product_uom_qty:sum"],
            )
        )
        held = defaultdict(float)
        for product, uom, quantity in groups:
            held[product.id] += (
                uom._compute_quantity(quantity, product.uom_id, round=False)
                if uom
                else quantity
            )
        return held

    # ---- the push job --------------------------------------------------------------
    def _connector_stock_quantities(self, mappings):
        """{mapping id: {platform warehouse code or False: quantity to send}}: the
        free quantity of each stock source of the channel, allocated by the
        channel's rules or the mapping's own (extension point)."""
        quantities = defaultdict(dict)
        for code, warehouses in self._connector_stock_sources():
            free = self._connector_free_qty(mappings.product_id, warehouses)
            for mapping in mappings:
                quantities[mapping.id][code] = self._prepare_stock_quantity(
                    free[mapping.product_id.id], mapping
                )
        return quantities

    def _connector_stock_item(self, mapping, quantity, location=False):
        """The adapter's item of one mapping (in one platform warehouse)
        (extension point)."""
        item = {
            "sku": mapping.channel_sku,
            "quantity": quantity,
            "item_ref": mapping.channel_item_ref or False,
        }
        if location:
            item["location"] = location
        return item

    @staticmethod
    def _connector_stock_sent_vals(quantities):
        """What a mapping keeps of the quantities sent ({code or False: qty})."""
        located = {code: qty for code, qty in quantities.items() if code}
        return {
            "last_stock_sent": sum(quantities.values()),
            "last_stock_sent_locations": located or False,
        }

    @staticmethod
    def _connector_stock_changed_since_sent(mapping, quantities):
        if not mapping.stock_sent_at:
            return True
        if set(quantities) == {False}:
            return quantities[False] != int(mapping.last_stock_sent)
        located = {code: qty for code, qty in quantities.items() if code}
        return located != (mapping.last_stock_sent_locations or {})

    def _export_stock_job(self):
        """Job: send the free quantity of every flagged SKU whose quantity changed
        since it was last sent (per platform warehouse where the channel has
        them); the flag is cleared once the channel took it (a SKU the channel
        refused stays flagged for the next push)."""
        self.ensure_one()
        mappings = (
            self.env["omni.channel.product"]
            .sudo()
            .search([("channel_id", "=", self.id), ("stock_dirty", "=", True)])
        )
        if not mappings:
            return self.env._("Nothing changed")
        quantities = self._connector_stock_quantities(mappings)
        todo = mappings.filtered(
            lambda m: self._connector_stock_changed_since_sent(m, quantities[m.id])
        )
        (mappings - todo).write({"stock_dirty": False})
        if not todo:
            return self.env._("Nothing changed")
        items = [
            self._connector_stock_item(m, qty, code)
            for m in todo
            for code, qty in quantities[m.id].items()
        ]
        with self._connector_job_guard("export", "stock/update"):
            failures = self._connector_call(lambda adapter: adapter.update_stock(items))
        failed = {f["sku"] for f in failures}
        now = fields.Datetime.now()
        by_values = defaultdict(lambda: self.env["omni.channel.product"])
        for mapping in todo.filtered(lambda m: m.channel_sku not in failed):
            by_values[json.dumps(sorted(quantities[mapping.id].items()))] |= mapping
        for sent in by_values.values():
            sent.write(
                dict(
                    self._connector_stock_sent_vals(quantities[sent[0].id]),
                    stock_sent_at=now,
                    stock_dirty=False,
                )
            )
        sent_count = len(todo) - len(failed & set(todo.mapped("channel_sku")))
        self._connector_log(
            "export",
            "stock/update",
            state="failed" if failures else "done",
            message=self.env._(
                "%(sent)s SKU(s) sent, %(failed)s failed",
                sent=sent_count,
                failed=len(failed),
            )
            + ("\n" + "\n".join(f"{f['sku']}: {f['message']}" for f in failures)),
            payload=items,
        )
        return self.env._("%(count)s SKU(s) sent", count=len(todo))
