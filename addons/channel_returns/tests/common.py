from datetime import UTC, datetime

from odoo.addons.channel_connectors.tests.common import (
    SHOPEE_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
)


class ShopeeReturnsCommon(MarketplaceCycleMixin, ConnectorCommon):
    """A Shopee channel on its simulator (over HTTP) and a delivered, invoiced
    order whose buyer can ask for a return."""

    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS

    def delivered_order(self):
        """An order COMPLETED on Shopee, imported, confirmed, delivered and
        invoiced in Odoo (its products in stock, mapped)."""
        orders = self.sim_orders()
        external_id = next(
            sn
            for sn, data in sorted(orders.items())
            if data["status"] == "COMPLETED" and not data["cod"]
        )
        self.pull()
        order = self.order_of(external_id)
        self.map_skus(order)
        self.assertFalse(order.order_line.filtered("is_unlinked"))
        with self.jobs() as trap:
            order.action_confirm()
            self.run_jobs(trap)
        self.deliver_and_invoice(order)
        return order

    def ask_return(self, order, **values):
        """The buyer asks for a return of ``order`` on Shopee: its return_sn."""
        body = dict(values, order_sn=order.channel_order_ref)
        return self.sim_post("/_sim/returns/new", body)["return_sn"]

    def pull_returns(self):
        with self.jobs() as trap:
            self.channel._enqueue_returns_pull()
            self.run_jobs(trap)

    def return_of(self, return_sn):
        return self.env["channel.return"].search(
            [("channel_id", "=", self.channel.id), ("name", "=", return_sn)]
        )

    def sim_return(self, return_sn):
        return self.sim_state()["returns"][return_sn]

    @staticmethod
    def epoch(moment):
        return int(moment.replace(tzinfo=UTC).timestamp())

    @staticmethod
    def naive(epoch):
        return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
