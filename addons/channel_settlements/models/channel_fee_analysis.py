from odoo import fields, models
from odoo.tools import SQL

from ..finance import CATEGORIES


class ChannelFeeAnalysis(models.Model):
    """Fees per channel, month and category, and as a percentage of that month's
    settled sales (the percentages of one channel and month add up)."""

    _name = "channel.fee.analysis"
    _description = "Marketplace Fee Analysis"
    _inherit = ["channel.monthly.report"]
    _auto = False
    _order = "month desc, channel_id, category"

    category = fields.Selection(selection=CATEGORIES, readonly=True)
    amount_fee = fields.Float(string="Fees", readonly=True)
    amount_sales = fields.Float(
        string="Sales of the Month", readonly=True, aggregator="max"
    )
    fee_percent = fields.Float(string="Fees % of Sales", readonly=True)

    def _query(self):
        return SQL(
            """
            WITH fees AS (
                SELECT channel_id, company_id,
                       date_trunc('month', date)::date AS month,
                       category, -SUM(amount) AS amount_fee
                  FROM channel_settlement_line
                 WHERE category NOT IN ('sale', 'refund')
                 GROUP BY channel_id, company_id, date_trunc('month', date), category
            ), sales AS (
                SELECT channel_id, date_trunc('month', date)::date AS month,
                       SUM(amount) AS amount_sales
                  FROM channel_settlement_line
                 WHERE category IN ('sale', 'refund')
                 GROUP BY channel_id, date_trunc('month', date)
            )
            SELECT row_number() OVER (ORDER BY fees.month, fees.channel_id,
                                      fees.category) AS id,
                   fees.channel_id, fees.company_id, fees.month, fees.category,
                   fees.amount_fee,
                   COALESCE(sales.amount_sales, 0.0) AS amount_sales,
                   CASE WHEN COALESCE(sales.amount_sales, 0.0) = 0 THEN 0.0
                        ELSE 100.0 * fees.amount_fee / sales.amount_sales
                   END AS fee_percent
              FROM fees
              LEFT JOIN sales ON sales.channel_id = fees.channel_id
                             AND sales.month = fees.month
            """
        )
