from odoo import fields, models
from odoo.tools import SQL


class ChannelSettlementReport(models.Model):
    """Per channel and month: invoiced (expected) vs settled vs paid out."""

    _name = "channel.settlement.report"
    _description = "Marketplace Reconciliation"
    _inherit = ["channel.monthly.report"]
    _auto = False
    _order = "month desc, channel_id"

    amount_invoiced = fields.Float(string="Invoiced", readonly=True)
    amount_settled = fields.Float(string="Settled (Gross - Refunds)", readonly=True)
    amount_fees = fields.Float(string="Fees and Adjustments", readonly=True)
    amount_net = fields.Float(string="Settled Net", readonly=True)
    amount_paid = fields.Float(string="Paid Out", readonly=True)
    amount_unsettled = fields.Float(
        string="Invoiced - Settled", readonly=True, aggregator="sum"
    )
    amount_unpaid = fields.Float(
        string="Settled Net - Paid Out", readonly=True, aggregator="sum"
    )

    def _query(self):
        return SQL(
            """
            WITH invoiced AS (
                SELECT DISTINCT ON (move.id, so.channel_id)
                       so.channel_id, move.company_id,
                       date_trunc('month', move.invoice_date)::date AS month,
                       move.amount_total_signed AS amount
                  FROM account_move move
                  JOIN account_move_line aml ON aml.move_id = move.id
                  JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
                  JOIN sale_order_line sol ON sol.id = rel.order_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND so.channel_id IS NOT NULL
            ), moves AS (
                SELECT channel_id, company_id, month, amount AS invoiced,
                       0.0 AS settled, 0.0 AS fees, 0.0 AS net, 0.0 AS paid
                  FROM invoiced
                UNION ALL
                SELECT line.channel_id, line.company_id,
                       date_trunc('month', line.date)::date,
                       0.0,
                       CASE WHEN line.category IN ('sale', 'refund')
                            THEN line.amount ELSE 0.0 END,
                       CASE WHEN line.category NOT IN ('sale', 'refund')
                            THEN line.amount ELSE 0.0 END,
                       line.amount, 0.0
                  FROM channel_settlement_line line
                UNION ALL
                SELECT payout.channel_id, payout.company_id,
                       date_trunc('month', payout.date)::date,
                       0.0, 0.0, 0.0, 0.0, payout.amount
                  FROM channel_payout payout
                 WHERE payout.state = 'paid'
            )
            SELECT row_number() OVER (ORDER BY month, channel_id) AS id,
                   channel_id, company_id, month,
                   SUM(invoiced) AS amount_invoiced,
                   SUM(settled) AS amount_settled,
                   SUM(fees) AS amount_fees,
                   SUM(net) AS amount_net,
                   SUM(paid) AS amount_paid,
                   SUM(invoiced) - SUM(settled) AS amount_unsettled,
                   SUM(net) - SUM(paid) AS amount_unpaid
              FROM moves
             GROUP BY channel_id, company_id, month
            """
        )
