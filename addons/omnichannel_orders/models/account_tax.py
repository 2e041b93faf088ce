from odoo import api, models


class AccountTax(models.Model):
    """A sale tax created in a company whose channels price tax included is
    mapped at once to its included twin (on the channels' fiscal position)."""

    _inherit = "account.tax"

    @api.model_create_multi
    def create(self, vals_list):
        taxes = super().create(vals_list)
        if self.env.context.get("omni_no_tax_sync"):
            return taxes
        excluded = taxes.filtered(
            lambda t: t.type_tax_use == "sale" and not t.price_include
        )
        if excluded:
            positions = (
                self.env["account.fiscal.position"]
                .sudo()
                .search(
                    [
                        ("omni_tax_included", "=", True),
                        ("company_id", "in", excluded.company_id.ids),
                    ]
                )
            )
            positions._omni_sync_included_taxes()
        return taxes
