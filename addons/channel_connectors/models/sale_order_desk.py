"""sale.order: the order desk's form for orders of a connected channel: the next
step on the channel (Accept, Arrange Shipment, Print Label) and the channel status
in words, as the platform's adapter knows them."""

from odoo import api, fields, models

from ..adapters.base import ADAPTERS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    omni_next_action = fields.Selection(
        selection_add=[
            ("accept", "Accept"),
            ("arrange_shipment", "Arrange Shipment"),
            ("print_label", "Print Label"),
        ],
    )

    @api.depends(
        "channel_id.connector_ready",
        "channel_order_ref",
        "channel_status",
        "channel_shipped",
        "label_printed",
    )
    def _compute_omni_next_action(self):
        return super()._compute_omni_next_action()

    def _omni_next_action(self):
        """On a connected channel: Accept (the platform takes an acceptance; else
        Confirm), then Arrange Shipment, then Print Label, as the adapter offers
        them. Shipped and printed: nothing."""
        self.ensure_one()
        if not self._connector_orders():
            return super()._omni_next_action()
        if self.state in ("draft", "sent"):
            return (
                "accept"
                if self._connector_adapter_supports("accept_order")
                else "confirm"
            )
        if self.state != "sale":
            return "none"
        shipped = self._connector_is_shipped()
        if not shipped and self._connector_adapter_supports("ship_order"):
            return "arrange_shipment"
        if (
            shipped
            and not self.label_printed
            and self._connector_adapter_supports("get_label")
        ):
            return "print_label"
        return "none"

    def _omni_channel_status_label(self):
        """The adapter's label of the status code (the code when it has none)."""
        adapter = ADAPTERS.get(self.channel_id.platform)
        if adapter and self.channel_status:
            return adapter.status_label(self.channel_status)
        return super()._omni_channel_status_label()
