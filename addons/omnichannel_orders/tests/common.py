from odoo import Command
from odoo.tests import TransactionCase


class AddonSmokeCase(TransactionCase):
    """Checks every add-on of the suite ships: its models have access rules, its
    window actions open their views, and its menus point at loadable actions.
    Subclasses set ``addon``."""

    addon = None
    allow_inherited_tests_method = True

    def _addon_models(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", self.addon), ("model", "=", "ir.model")]
        )
        return self.env["ir.model"].browse(data.mapped("res_id"))

    def _addon_records(self, model):
        data = self.env["ir.model.data"].search(
            [("module", "=", self.addon), ("model", "=", model)]
        )
        return self.env[model].browse(data.mapped("res_id")).exists()

    def test_models_have_access_rules(self):
        models = self._addon_models()
        self.assertTrue(models, f"{self.addon} defines no model")
        for model in models:
            if self.env[model.model]._abstract:
                continue
            self.assertTrue(
                model.access_ids,
                f"model {model.model} of {self.addon} has no access rule",
            )

    def test_actions_load_their_views(self):
        actions = self._addon_records("ir.actions.act_window")
        self.assertTrue(actions, f"{self.addon} defines no window action")
        for action in actions:
            model = self.env[action.res_model]
            view_types = [
                "list" if mode == "tree" else mode
                for mode in action.view_mode.split(",")
            ]
            views = model.get_views(
                [(False, vt) for vt in view_types] + [(False, "search")]
            )
            for view_type in view_types:
                self.assertIn(view_type, views["views"], action.name)
            # the default domain/context of the action evaluate and search
            model.with_context(**action._get_eval_context()).search_count([], limit=1)

    def test_menus_open_actions(self):
        menus = self._addon_records("ir.ui.menu")
        self.assertTrue(menus, f"{self.addon} defines no menu")
        for menu in menus.filtered("action"):
            action = menu.action.sudo()
            self.assertTrue(action.exists(), menu.complete_name)
            self.assertTrue(action.read()[0]["name"], menu.complete_name)
        # the menu tree loads for an administrator
        self.assertTrue(self.env["ir.ui.menu"].load_menus(debug=False))


class OmniCommon(TransactionCase):
    """Fixtures for order-desk tests: a channel per policy, storable products in
    stock, a customer. No demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Nguyễn Văn An", "email": "an@example.com"}
        )
        cls.business = cls.env["res.partner"].create(
            {"name": "Acme Trading Sdn Bhd", "is_company": True}
        )
        cls.product_a = cls._create_product("Ceramic mug", "MUG", 25.0)
        cls.product_b = cls._create_product("Cotton T-shirt (M)", "TSHIRT-M", 59.0)
        cls.channel = cls._create_channel("Lazada MY", "LZ-MY")
        cls.channel_touchless = cls._create_channel(
            "Shopee MY", "SP-MY", processing_policy="touchless"
        )

    @classmethod
    def _create_product(cls, name, code, price, qty=100.0):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "type": "consu",
                "is_storable": True,
                "list_price": price,
                "invoice_policy": "order",
            }
        )
        if qty:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, qty
            )
        return product

    @classmethod
    def _create_channel(cls, name, code, **vals):
        return cls.env["omni.channel"].create(
            {
                "name": name,
                "code": code,
                "channel_type": "marketplace",
                "warehouse_id": cls.warehouse.id,
                **vals,
            }
        )

    def create_order(self, channel=None, lines=None, ref=None, partner=None, **vals):
        channel = channel or self.channel
        lines = lines or [(self.product_a, 2, 25.0), (self.product_b, 1, 59.0)]
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "channel_id": channel.id,
                "channel_order_ref": ref or f"REF-{self._order_seq()}",
                "warehouse_id": channel.warehouse_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "price_unit": price,
                        }
                    )
                    for product, qty, price in lines
                ],
                **vals,
            }
        )

    _seq = [0]

    @classmethod
    def _order_seq(cls):
        cls._seq[0] += 1
        return cls._seq[0]

    def deliver(self, order, quantities=None, backorder=True):
        """Validate the delivery of ``order``: all, or ``{product: qty}``."""
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
            and p.picking_type_code == "outgoing"
        )
        self.assertEqual(len(picking), 1, "one open delivery expected")
        picking.action_assign()
        for move in picking.move_ids:
            qty = (
                move.product_uom_qty
                if quantities is None
                else quantities.get(move.product_id, 0.0)
            )
            move.quantity = qty
            move.picked = bool(qty)
        context = {"cancel_backorder": not backorder}
        res = picking.with_context(**context).button_validate()
        if isinstance(res, dict):  # the backorder wizard
            wizard = (
                self.env[res["res_model"]].with_context(**res["context"]).create({})
            )
            if backorder:
                wizard.process()
            else:
                wizard.process_cancel_backorder()
        self.assertEqual(picking.state, "done")
        return picking

    def flush_history(self):
        """Run the precommit hooks, as a commit would (history, mail tracking)."""
        self.env.flush_all()
        self.env.cr.precommit.run()
