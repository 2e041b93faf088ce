"""omni.channel.listing: a SKU the seller lists on a channel, as the channel's own
catalogue says (ids, seller SKU, price, stock), and its link to an Odoo product
through the channel's SKU mapping (omni.channel.product)."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


def normalise_code(code):
    """A reference compared without case and spaces (``" Mug 01 "`` = ``"MUG01"``)."""
    return "".join(str(code or "").split()).lower()


class OmniChannelListing(models.Model):
    _name = "omni.channel.listing"
    _description = "Channel Listing"
    _order = "channel_id, seller_sku, sku_ref"
    _rec_names_search = ["seller_sku", "name", "sku_ref"]

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="channel_id.currency_id")
    item_ref = fields.Char(
        string="Channel Item ID",
        readonly=True,
        help="The channel's id of the item / product the SKU belongs to.",
    )
    sku_ref = fields.Char(
        string="Channel SKU ID",
        required=True,
        readonly=True,
        index=True,
        copy=False,
        help="The channel's own reference of the SKU, as its orders and stock "
        "updates name it.",
    )
    seller_sku = fields.Char(
        string="Seller SKU",
        readonly=True,
        index=True,
        help="The seller's SKU on the channel: the channel SKU its orders carry.",
    )
    name = fields.Char(readonly=True)
    price = fields.Monetary(
        string="Listing Price",
        currency_field="currency_id",
        readonly=True,
        help="The price the channel lists the SKU at.",
    )
    listing_currency = fields.Char(
        readonly=True, help="The currency the channel gave the price in."
    )
    quantity = fields.Float(
        string="Listing Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        help="The stock the channel shows, when the listing was imported.",
    )
    barcode = fields.Char(readonly=True, help="The GTIN / EAN the listing gives.")
    status = fields.Char(string="Channel Status", readonly=True)
    imported_at = fields.Datetime(readonly=True, copy=False)
    active = fields.Boolean(
        default=True,
        help="Archived: the channel did not list the SKU at the last import.",
    )
    mapping_id = fields.Many2one(
        comodel_name="omni.channel.product",
        string="SKU Mapping",
        readonly=True,
        index=True,
        copy=False,
        ondelete="set null",
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        compute="_compute_product_id",
        inverse="_inverse_product_id",
        store=True,
        readonly=False,
        index=True,
        domain="[('type', '!=', 'combo'), ('company_id', 'in', [company_id, False])]",
        help="The Odoo product the seller SKU is linked to (the channel's SKU "
        "mapping): set it to link, clear it to unlink.",
    )
    state = fields.Selection(
        selection=[("linked", "Linked"), ("unlinked", "Unlinked")],
        compute="_compute_state",
        store=True,
        index=True,
    )
    suggested_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Suggestion",
        compute="_compute_suggested_product_id",
        help="The best guess among the products: the same internal reference "
        "(ignoring case and spaces), else the same barcode, else a similar name.",
    )
    odoo_price = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_odoo_price",
        help="The linked product's price in the channel's pricelist.",
    )

    _sql_constraints = [
        (
            "channel_sku_ref_uniq",
            "unique(channel_id, sku_ref)",
            "This channel lists this SKU once.",
        ),
    ]

    @api.depends("mapping_id.product_id")
    def _compute_product_id(self):
        for listing in self:
            listing.product_id = listing.mapping_id.product_id

    def _inverse_product_id(self):
        for listing in self:
            if listing.product_id:
                listing._link_product(listing.product_id)
            elif listing.mapping_id:
                listing._unlink_product()

    @api.depends("mapping_id")
    def _compute_state(self):
        for listing in self:
            listing.state = "linked" if listing.mapping_id else "unlinked"

    @api.depends("seller_sku", "barcode", "name", "channel_id")
    def _compute_suggested_product_id(self):
        suggestions = self._suggestions()
        for listing in self:
            listing.suggested_product_id = suggestions.get(listing.id, False)

    @api.depends("product_id", "channel_id.pricelist_id")
    def _compute_odoo_price(self):
        for listing in self:
            pricelist = listing.channel_id.pricelist_id
            product = listing.product_id
            if not product:
                listing.odoo_price = 0.0
            elif pricelist:
                listing.odoo_price = pricelist._get_product_price(product, 1.0)
            else:
                listing.odoo_price = product.lst_price

    @api.depends("seller_sku", "name")
    def _compute_display_name(self):
        for listing in self:
            listing.display_name = (
                f"[{listing.seller_sku}] {listing.name or ''}".strip()
                if listing.seller_sku
                else listing.name or listing.sku_ref
            )

    # ---- actions -------------------------------------------------------------------
    def action_link_suggestion(self):
        """Link the selected unlinked listings to their suggestion."""
        todo = self.filtered(lambda r: r.state == "unlinked" and r.suggested_product_id)
        for listing in todo:
            listing._link_product(listing.suggested_product_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if todo else "warning",
                "message": self.env._(
                    "%(count)s listing(s) linked to their suggestion.",
                    count=len(todo),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ---- linking -------------------------------------------------------------------
    def _prepare_mapping_vals(self, product):
        """The SKU mapping of this listing's seller SKU to ``product``."""
        self.ensure_one()
        return {
            "channel_id": self.channel_id.id,
            "channel_sku": self.seller_sku,
            "channel_item_ref": self.sku_ref,
            "product_id": product.id,
        }

    def _link_product(self, product):
        """Link this listing's seller SKU to ``product`` (the channel's SKU
        mapping, created or moved): the open orders' lines with the SKU follow."""
        self.ensure_one()
        if not self.seller_sku:
            raise UserError(
                self.env._(
                    "Listing %(listing)s of %(channel)s has no seller SKU: its "
                    "orders cannot name it. Give it a SKU on the channel, then "
                    "import the listings again.",
                    listing=self.name or self.sku_ref,
                    channel=self.channel_id.name,
                )
            )
        mapping = self.env["omni.channel.product"].search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("channel_sku", "=", self.seller_sku),
            ],
            limit=1,
        )
        if not mapping:
            mapping = self.env["omni.channel.product"].create(
                self._prepare_mapping_vals(product)
            )
        else:
            vals = {}
            if mapping.product_id != product:
                vals["product_id"] = product.id
            if not mapping.channel_item_ref:
                vals["channel_item_ref"] = self.sku_ref
            if vals:
                mapping.write(vals)
        self._same_sku()._attach_mapping(mapping)
        return mapping

    def _unlink_product(self):
        """Remove the SKU mapping of this listing's seller SKU."""
        self.ensure_one()
        mapping = self.mapping_id
        self._same_sku().write({"mapping_id": False})
        mapping.unlink()

    def _same_sku(self):
        """This listing and the channel's other listings with its seller SKU."""
        self.ensure_one()
        if not self.seller_sku:
            return self
        return self | self.search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("seller_sku", "=", self.seller_sku),
            ]
        )

    def _attach_mapping(self, mapping):
        self.filtered(lambda r: r.mapping_id != mapping).write(
            {"mapping_id": mapping.id}
        )

    def _attach_existing_mappings(self):
        """Give each listing the SKU mapping its seller SKU already has on its
        channel; fill the mapping's channel item id when it has none (stock
        updates of Shopee and TikTok Shop need it)."""
        with_sku = self.filtered("seller_sku")
        if not with_sku:
            return self.browse()
        mappings = self.env["omni.channel.product"].search(
            [
                ("channel_id", "in", with_sku.channel_id.ids),
                ("channel_sku", "in", with_sku.mapped("seller_sku")),
            ]
        )
        by_key = {(m.channel_id.id, m.channel_sku): m for m in mappings}
        attached = self.browse()
        for listing in with_sku:
            mapping = by_key.get((listing.channel_id.id, listing.seller_sku))
            if not mapping:
                continue
            if listing.mapping_id != mapping:
                listing.mapping_id = mapping
                attached |= listing
            if not mapping.channel_item_ref:
                mapping.channel_item_ref = listing.sku_ref
        return attached

    def _auto_link(self):
        """Link the unlinked listings whose seller SKU is a product's internal
        reference, else whose barcode is a product's barcode (one product only,
        of the channel's company or shared). Returns {"sku": n, "barcode": n}."""
        done = {"sku": 0, "barcode": 0}
        todo = self.filtered(lambda r: r.state == "unlinked" and r.seller_sku)
        for channel in todo.channel_id:
            listings = todo.filtered(lambda r, c=channel: r.channel_id == c)
            company = channel.company_id
            by_code = self._products_by_code(company, listings.mapped("seller_sku"))
            by_barcode = self._products_by_barcode(
                company, [b for b in listings.mapped("barcode") if b]
            )
            # one listing a seller SKU: the others with its SKU follow it
            picked = {}
            for listing in listings:
                if listing.seller_sku in picked:
                    continue
                products = by_code.get(normalise_code(listing.seller_sku))
                how = "sku"
                if not products or len(products) > 1:
                    products = (
                        by_barcode.get(listing.barcode) if listing.barcode else None
                    )
                    how = "barcode"
                if products and len(products) == 1:
                    picked[listing.seller_sku] = (listing, products)
                    done[how] += 1
            if picked:
                same_sku = defaultdict(lambda: self.browse())
                for listing in listings | self.search(
                    [
                        ("channel_id", "=", channel.id),
                        ("seller_sku", "in", list(picked)),
                    ]
                ):
                    same_sku[listing.seller_sku] |= listing
                # one create: the open orders' lines are re-linked and the stock
                # pushed once for the batch, not once per listing
                mappings = self.env["omni.channel.product"].create(
                    [
                        listing._prepare_mapping_vals(product)
                        for listing, product in picked.values()
                    ]
                )
                for mapping in mappings:
                    same_sku[mapping.channel_sku]._attach_mapping(mapping)
        return done

    # ---- product matching ----------------------------------------------------------
    @api.model
    def _product_domain(self, company):
        return [
            ("type", "!=", "combo"),
            ("company_id", "in", [company.id, False]),
        ]

    @api.model
    def _products_by_code(self, company, codes):
        """{normalised code: products} of the products whose internal reference
        is one of ``codes``, ignoring case and spaces."""
        wanted = {normalise_code(c) for c in codes if normalise_code(c)}
        if not wanted:
            return {}
        Product = self.env["product.product"]
        Product.flush_model(["default_code"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM product_product WHERE default_code IS NOT NULL "
                "AND lower(regexp_replace(default_code, '\\s', '', 'g')) = ANY(%s)",
                list(wanted),
            )
        )
        products = Product.search(
            [("id", "in", [r[0] for r in rows])] + self._product_domain(company)
        )
        found = {}
        for product in products:
            key = normalise_code(product.default_code)
            found[key] = found.get(key, Product) | product
        return found

    @api.model
    def _products_by_barcode(self, company, barcodes):
        """{barcode: products} of the products with one of ``barcodes``."""
        Product = self.env["product.product"]
        if not barcodes:
            return {}
        found = {}
        for product in Product.search(
            [("barcode", "in", list(set(barcodes)))] + self._product_domain(company)
        ):
            found[product.barcode] = found.get(product.barcode, Product) | product
        return found

    def _suggestions(self):
        """{listing id: product} of the best guess for each listing."""
        suggestions = {}
        for channel in self.channel_id:
            listings = self.filtered(lambda r, c=channel: r.channel_id == c)
            company = channel.company_id
            by_code = self._products_by_code(company, listings.mapped("seller_sku"))
            by_barcode = self._products_by_barcode(
                company, [b for b in listings.mapped("barcode") if b]
            )
            for listing in listings:
                products = by_code.get(normalise_code(listing.seller_sku)) or (
                    listing.barcode and by_barcode.get(listing.barcode)
                )
                if not products and listing.name:
                    products = self.env["product.product"].search(
                        [("name", "ilike", listing.name)]
                        + self._product_domain(company),
                        limit=1,
                    )
                if products:
                    suggestions[listing.id] = products[:1]
        return suggestions
