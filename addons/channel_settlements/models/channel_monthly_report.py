from odoo import fields, models, tools
from odoo.tools import SQL


class ChannelMonthlyReport(models.AbstractModel):
    """A report per channel and month, read from an SQL view built from the
    report's ``_query()``."""

    _name = "channel.monthly.report"
    _description = "Marketplace Monthly Report"

    channel_id = fields.Many2one(comodel_name="omni.channel", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    month = fields.Date(readonly=True)

    def _query(self):
        raise NotImplementedError

    def init(self):
        if self._abstract:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._query(),
            )
        )
