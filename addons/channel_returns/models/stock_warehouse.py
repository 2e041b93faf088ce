"""stock.warehouse: OCA rma's routes without ``active`` among their triggers.

rma makes its RMA In / RMA Out routes depend on the warehouse's ``active``.
stock's ``write`` of an unarchived warehouse writes every route trigger again on
it (``warehouse.write({depend: warehouse[depend]})``): with ``active`` among them,
that write unarchives again, forever (RecursionError; Odoo's own
``test_warehouse_redirect_warnings`` of sale_stock). stock's ``write`` already
(de)activates the routes and rules of the warehouse with it, RMA routes included
(they are warehouse-selectable, in ``route_ids``)."""

from odoo import models

RMA_ROUTES = ("rma_in_route_id", "rma_out_route_id")


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    def _get_routes_values(self):
        values = super()._get_routes_values()
        for route in RMA_ROUTES:
            if route in values:
                depends = values[route].get("depends") or []
                values[route]["depends"] = [d for d in depends if d != "active"]
        return values
