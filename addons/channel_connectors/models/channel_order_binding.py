from odoo import api, fields, models


class ChannelOrderBinding(models.Model):
    """The link of an Odoo order to the channel's order (connector's
    ``external.binding`` shape): the channel's number, the version last stored and
    the raw payload as the channel sent it."""

    _name = "channel.order.binding"
    _description = "Channel Order Binding"
    _order = "sync_date desc, id desc"
    _rec_name = "external_id"

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True
    )
    order_id = fields.Many2one(
        comodel_name="sale.order", required=True, index=True, ondelete="cascade"
    )
    external_id = fields.Char(
        string="Channel Order No.", required=True, index=True, copy=False
    )
    external_updated_at = fields.Datetime(
        string="Channel Update Time",
        help="The version stored: an older one never overwrites it.",
    )
    raw_payload = fields.Text(help="The order as the channel sent it (JSON).")
    package_ref = fields.Char(
        string="Package", copy=False, help="The channel's package or shipment id."
    )
    sync_date = fields.Datetime(string="Last Synchronised", index=True)

    _sql_constraints = [
        (
            "channel_external_uniq",
            "unique(channel_id, external_id)",
            "This channel order is already bound to an Odoo order.",
        ),
    ]

    @api.model
    def _versions(self, channel, external_ids):
        """{external id: stored update time} for these orders of ``channel``."""
        if not external_ids:
            return {}
        rows = self.search_read(
            [("channel_id", "=", channel.id), ("external_id", "in", external_ids)],
            ["external_id", "external_updated_at"],
        )
        return {row["external_id"]: row["external_updated_at"] for row in rows}
