from odoo import Command, fields, models


class AccountFiscalPosition(models.Model):
    """The company's *Prices include tax* mapping: each sale tax that is added on
    top of a price maps to its price-included twin. Channels whose platform shows
    tax-included prices put it on their orders (``omni.channel.price_tax_mode``),
    so Odoo's own tax engine extracts the tax instead of adding it again."""

    _inherit = "account.fiscal.position"

    omni_tax_included = fields.Boolean(
        string="Prices Include Tax (channels)",
        readonly=True,
        copy=False,
        help="Made by the order desk for channels whose prices include tax: maps "
        "each tax-excluded sale tax to the same tax included in the price.",
    )

    def _omni_included_twin(self, tax):
        """The price-included tax that stands for ``tax`` (same rate, group and
        country), found or made once."""
        Tax = self.env["account.tax"].with_context(active_test=False)
        twin = Tax.search(
            [
                ("company_id", "=", tax.company_id.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", tax.amount_type),
                ("amount", "=", tax.amount),
                ("tax_group_id", "=", tax.tax_group_id.id),
                ("country_id", "=", tax.country_id.id),
                ("price_include", "=", True),
                ("active", "=", True),
            ],
            limit=1,
        )
        if twin:
            return twin
        return tax.with_context(omni_no_tax_sync=True).copy(
            {
                "name": self.env._("%(tax)s (incl.)", tax=tax.name),
                "price_include_override": "tax_included",
                "include_base_amount": False,
                "description": tax.description,
                "invoice_label": tax.invoice_label,
            }
        )

    def _omni_sync_included_taxes(self):
        """Map every active percent/division sale tax of the company that is not
        included in the price (and not mapped yet) to its included twin."""
        for position in self:
            mapped = position.tax_ids.tax_src_id
            taxes = self.env["account.tax"].search(
                [
                    ("company_id", "=", position.company_id.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "in", ("percent", "division")),
                    ("price_include", "=", False),
                    ("id", "not in", mapped.ids),
                ]
            )
            commands = [
                Command.create(
                    {
                        "tax_src_id": tax.id,
                        "tax_dest_id": position._omni_included_twin(tax).id,
                    }
                )
                for tax in taxes
            ]
            if commands:
                position.write({"tax_ids": commands})
        return True

    def _omni_tax_included_position(self, company):
        """The company's *Prices include tax* position, made on first use."""
        position = self.with_context(active_test=False).search(
            [("omni_tax_included", "=", True), ("company_id", "=", company.id)],
            limit=1,
        )
        if not position:
            position = self.create(
                {
                    "name": self.env._("Prices include tax (sales channels)"),
                    "company_id": company.id,
                    "omni_tax_included": True,
                    "auto_apply": False,
                }
            )
        position._omni_sync_included_taxes()
        return position
