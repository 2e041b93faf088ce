"""omni.channel: the seller's catalogue on the channel — the listings import (one
job per page, an idempotent upsert that links by SKU, then barcode) and SYNC (the
open orders re-linked, the stock pushed now)."""

from odoo import fields, models
from odoo.exceptions import UserError

from ..adapters import ParseError
from .omni_channel import _dumps
from .omni_channel_listing import normalise_code


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    listing_count = fields.Integer(compute="_compute_listing_count")
    unlinked_listing_count = fields.Integer(compute="_compute_listing_count")

    def _compute_listing_count(self):
        groups = self.env["omni.channel.listing"]._read_group(
            [("channel_id", "in", self.ids)], ["channel_id", "state"], ["__count"]
        )
        counts = {}
        for channel, state, count in groups:
            counts.setdefault(channel.id, {})[state] = count
        for channel in self:
            by_state = counts.get(channel.id, {})
            channel.listing_count = sum(by_state.values())
            channel.unlinked_listing_count = by_state.get("unlinked", 0)

    # ---- actions -------------------------------------------------------------------
    def action_import_listings(self):
        """Import the channel's listings (a job per page) and link them."""
        channels = self._connector_channels()
        for channel in channels:
            if not channel._get_adapter_class().supports("fetch_listings"):
                raise UserError(
                    self.env._(
                        "%(channel)s cannot list the seller's products.",
                        channel=channel.name,
                    )
                )
            channel._enqueue_listing_import()
        return self._connector_notify(
            self.env._(
                "The listings of %(channels)s are being imported.",
                channels=", ".join(channels.mapped("name")),
            )
        )

    def action_view_listings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "channel_connectors.omni_channel_listing_action"
        )
        action["domain"] = [("channel_id", "=", self.id)]
        action["context"] = {"search_default_unlinked": 1}
        return action

    def action_connector_sync(self):
        """SYNC: link the SKUs of the open orders' unlinked lines where a product
        has them as internal reference, re-link those lines, push stock now."""
        stats = {"linked": 0, "lines": 0, "channels": 0}
        for channel in self._connector_channels():
            result = channel._connector_sync()
            stats["linked"] += result["linked"]
            stats["lines"] += result["lines"]
            stats["channels"] += 1
        return self._connector_notify(
            self.env._(
                "%(channels)s channel(s): %(linked)s SKU(s) linked, %(lines)s "
                "order line(s) re-linked, stock pushed.",
                **stats,
            )
        )

    def _connector_notify(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "message": message, "sticky": False},
        }

    # ---- listings import -----------------------------------------------------------
    def _enqueue_listing_import(self, cursor=None, started_at=None):
        """One job per page of listings (identity: channel + page cursor); the
        pages of one import share when it started."""
        self.ensure_one()
        started_at = started_at or fields.Datetime.to_string(fields.Datetime.now())
        return self.with_delay(
            identity_key=f"channel_connectors.listings:{self.id}:{cursor or ''}",
            description=self.env._(
                "Import the listings of %(channel)s", channel=self.name
            ),
        )._import_listings_job(cursor, started_at)

    def _import_listings_job(self, cursor=None, started_at=None):
        """Job: read one page of the channel's listings, store them (an upsert on
        the channel's SKU id), link them by SKU then barcode, and enqueue the next
        page; after the last one, archive the listings the import did not see (no
        longer listed on the channel)."""
        self.ensure_one()
        with self._connector_job_guard("import", "products/list"):
            listings, next_cursor = self._connector_call(
                lambda adapter: self._listing_page(adapter, cursor)
            )
            records = self._upsert_listings(listings)
            attached = records._attach_existing_mappings()
            linked = records._auto_link()
            # a listing another worker stored meanwhile: a retry, inside the guard
            self.env.flush_all()
        gone = self.env["omni.channel.listing"]
        if next_cursor:
            self._enqueue_listing_import(next_cursor, started_at)
        elif started_at:
            gone = gone.search(
                [
                    ("channel_id", "=", self.id),
                    ("imported_at", "<", started_at),
                ]
            )
            gone.write({"active": False})
        message = self.env._(
            "%(count)s listing(s) stored, %(mapped)s with an existing SKU mapping, "
            "%(sku)s linked by SKU, %(barcode)s by barcode, %(unlinked)s unlinked, "
            "%(gone)s no longer listed",
            count=len(records),
            mapped=len(attached),
            sku=linked["sku"],
            barcode=linked["barcode"],
            unlinked=len(records.filtered(lambda r: r.state == "unlinked")),
            gone=len(gone),
        )
        self._connector_log("import", "products/list", message=message)
        return message

    def _listing_page(self, adapter, cursor):
        """(normalised listings, next cursor) of one page; a product that cannot
        be read is logged with its payload and skipped."""
        raws, next_cursor = adapter.fetch_listings(cursor)
        listings = []
        for raw in raws:
            try:
                listings += adapter.parse_listing(raw)
            except ParseError as exc:
                self._connector_log(
                    "import",
                    "products/parse",
                    state="skipped",
                    message=str(exc),
                    payload=exc.payload if exc.payload is not None else _dumps(raw),
                )
        return listings, next_cursor

    def _prepare_listing_vals(self, listing):
        """The omni.channel.listing values of a normalised listing."""
        self.ensure_one()
        currency = listing.get("currency")
        return {
            "channel_id": self.id,
            "item_ref": listing.get("item_ref") or False,
            "sku_ref": listing["sku_ref"],
            "seller_sku": (listing.get("seller_sku") or "").strip() or False,
            "name": listing.get("name") or False,
            "price": listing.get("price") or 0.0,
            "listing_currency": currency or self.currency_id.name,
            "quantity": listing.get("quantity") or 0.0,
            "barcode": (listing.get("barcode") or "").strip() or False,
            "status": listing.get("status") or False,
        }

    def _upsert_listings(self, listings):
        """Create or update the channel's listings (by SKU id): idempotent."""
        self.ensure_one()
        Listing = self.env["omni.channel.listing"]
        by_ref = {}
        for listing in listings:
            if listing.get("sku_ref"):
                by_ref[str(listing["sku_ref"])] = listing
        existing = {
            r.sku_ref: r
            for r in Listing.with_context(active_test=False).search(
                [("channel_id", "=", self.id), ("sku_ref", "in", list(by_ref))]
            )
        }
        now = fields.Datetime.now()
        records = Listing.browse()
        to_create = []
        for sku_ref, listing in by_ref.items():
            vals = dict(
                self._prepare_listing_vals(listing), imported_at=now, active=True
            )
            record = existing.get(sku_ref)
            if record:
                record.write(vals)
                records |= record
            else:
                to_create.append(vals)
        return records | Listing.create(to_create)

    # ---- SYNC ----------------------------------------------------------------------
    def _connector_sync(self):
        """Link the SKUs of this channel's open unlinked lines (to the product
        whose internal reference it is, or through an unlinked listing's
        barcode), re-link the lines of every mapped SKU, and push stock now.
        Returns {"linked": SKUs linked, "lines": lines re-linked}."""
        self.ensure_one()
        Line = self.env["sale.order.line"]
        domain = [
            ("is_unlinked", "=", True),
            ("order_id.channel_id", "=", self.id),
            ("order_id.lifecycle_state", "in", ("buffered", "confirmed")),
            ("channel_sku", "!=", False),
        ]
        lines = Line.search(domain)
        skus = set(lines.mapped("channel_sku"))
        Mapping = self.env["omni.channel.product"]
        mapped = Mapping.search(
            [("channel_id", "=", self.id), ("channel_sku", "in", list(skus))]
        )
        linked = self._sync_link_skus(lines, skus - set(mapped.mapped("channel_sku")))
        if mapped:
            mapped._relink_open_lines()
        relinked = len(lines) - Line.search_count(domain)
        # "push stock now": every SKU sent again, even one whose quantity has not
        # changed in Odoo since it was last sent (it may have drifted on the
        # platform)
        self.env["omni.channel.product"].sudo().search(
            [("channel_id", "=", self.id)]
        ).write({"stock_sent_at": False})
        self._connector_stock_sources_changed()
        return {"linked": linked, "lines": relinked}

    def _sync_link_skus(self, lines, skus):
        """Map each of ``skus`` (no mapping yet) to the one product whose internal
        reference it is; the listings of the others link by barcode. Returns how
        many SKUs were linked."""
        listings = self.env["omni.channel.listing"].search(
            [("channel_id", "=", self.id), ("seller_sku", "in", list(skus))]
        )
        by_code = listings._products_by_code(self.company_id, skus)
        linked = 0
        for sku in sorted(skus):
            products = by_code.get(normalise_code(sku))
            listing = listings.filtered(lambda r, s=sku: r.seller_sku == s)[:1]
            if products and len(products) == 1:
                if listing:
                    listing._link_product(products)
                else:
                    line = lines.filtered(lambda r, s=sku: r.channel_sku == s)[:1]
                    self.env["omni.channel.product"].create(
                        {
                            "channel_id": self.id,
                            "channel_sku": sku,
                            "channel_item_ref": line.channel_item_ref or False,
                            "product_id": products.id,
                        }
                    )
                linked += 1
            elif listing and listing._auto_link()["barcode"]:
                linked += 1
        return linked
