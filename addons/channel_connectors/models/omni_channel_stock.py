"""omni.channel: stock pushed to the channels."""

from odoo import fields, models


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- stock -------------------------------------------------------------------
    def _omni_stock_changed(self, products):
        res = super()._omni_stock_changed(products)
        channels = self._connector_channels().filtered(
            lambda c: c.stock_sync and c._get_adapter_class().supports("update_stock")
        )
        if not channels or not products:
            return res
        mapped = self.env["omni.channel.product"].search(
            [("channel_id", "in", channels.ids), ("product_id", "in", products.ids)]
        )
        for channel in mapped.channel_id:
            channel._enqueue_stock_export()
        return res

    def _enqueue_stock_export(self):
        """Debounced: one pending stock job per channel, a few seconds ahead."""
        self.ensure_one()
        return self.with_delay(
            eta=5,
            identity_key=f"channel_connectors.stock:{self.id}",
            description=self.env._("Push stock to %(channel)s", channel=self.name),
        )._export_stock_job()

    def _connector_free_qty(self, products):
        """{product id: free quantity}: on hand − reserved in the channel's
        warehouse − quantities on imported orders not confirmed yet."""
        products = products.with_context(warehouse_id=self.warehouse_id.id)
        draft = self.env["sale.order.line"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("order_id.state", "in", ("draft", "sent")),
                ("order_id.channel_id", "!=", False),
            ],
            ["product_id"],
            ["product_uom_qty:sum"],
        )
        pending = {product.id: qty for product, qty in draft}
        return {
            product.id: max(product.free_qty - pending.get(product.id, 0.0), 0.0)
            for product in products
        }

    def _export_stock_job(self):
        """Job: send the free quantity of every mapped SKU whose quantity changed
        since it was last sent."""
        self.ensure_one()
        mappings = self.env["omni.channel.product"].search(
            [("channel_id", "=", self.id)]
        )
        free = self._connector_free_qty(mappings.product_id)
        todo = mappings.filtered(
            lambda m: not m.stock_sent_at
            or int(free[m.product_id.id]) != int(m.last_stock_sent)
        )
        if not todo:
            return self.env._("Nothing changed")
        items = [
            {
                "sku": m.channel_sku,
                "quantity": int(free[m.product_id.id]),
                "item_ref": m.channel_item_ref or False,
            }
            for m in todo
        ]
        with self._connector_job_guard("export", "stock/update"):
            failures = self._connector_call(lambda adapter: adapter.update_stock(items))
        failed = {f["sku"] for f in failures}
        now = fields.Datetime.now()
        for mapping in todo.filtered(lambda m: m.channel_sku not in failed):
            mapping.write(
                {
                    "last_stock_sent": int(free[mapping.product_id.id]),
                    "stock_sent_at": now,
                }
            )
        self._connector_log(
            "export",
            "stock/update",
            state="failed" if failures else "done",
            message=self.env._(
                "%(sent)s SKU(s) sent, %(failed)s failed",
                sent=len(items) - len(failed),
                failed=len(failed),
            )
            + ("\n" + "\n".join(f"{f['sku']}: {f['message']}" for f in failures)),
            payload=items,
        )
        return self.env._("%(count)s SKU(s) sent", count=len(items))
