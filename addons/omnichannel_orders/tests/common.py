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
