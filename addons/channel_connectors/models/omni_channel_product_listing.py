"""omni.channel.product: a SKU mapping made or changed by hand (or by an import)
links the channel's listings of its SKU; Odoo's import offers a template for
linking SKUs in bulk."""

from odoo import api, models


class OmniChannelProduct(models.Model):
    _inherit = "omni.channel.product"

    @api.model
    def get_import_templates(self):
        """The bulk-link template of Odoo's import (base_import): the channel,
        the channel's SKU and the product (its internal reference, barcode or
        name)."""
        return [
            {
                "label": self.env._("Import Template for SKU Mappings"),
                "template": "/channel_connectors/static/import/"
                "sku_mappings_template.csv",
            }
        ]

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings._attach_listings()
        return mappings

    def write(self, vals):
        res = super().write(vals)
        if "channel_sku" in vals or "channel_id" in vals:
            self._attach_listings()
        return res

    def _attach_listings(self):
        """The channel's listings of these SKUs get their mapping (and those of
        a SKU renamed away lose it)."""
        Listing = self.env["omni.channel.listing"]
        stale = Listing.search([("mapping_id", "in", self.ids)]).filtered(
            lambda r: r.seller_sku != r.mapping_id.channel_sku
        )
        stale.write({"mapping_id": False})
        listings = Listing.search(
            [
                ("channel_id", "in", self.channel_id.ids),
                ("seller_sku", "in", self.mapped("channel_sku")),
            ]
        )
        return listings._attach_existing_mappings()
