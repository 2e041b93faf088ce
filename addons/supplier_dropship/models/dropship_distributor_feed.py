"""dropship.distributor: the stock and price feed (cron, job, reading, parsing,
matching the rows to vendor lines and writing them)."""

import csv
import io
import json
import re
from datetime import timedelta

import requests
import xmltodict

from odoo import api, fields, models

from odoo.addons.queue_job.job import identity_exact

from .dropship_distributor import _logger

FEED_REQUIRED_COLUMNS = ("part_number", "stock", "price")
PRICE_RE = re.compile(r"^\d+(\.\d+)?$")
STOCK_BAND_RE = re.compile(r"^>\s*(\d+)$")
UNKNOWN_PARTS_SHOWN = 20


class FeedRowError(ValueError):
    """A feed row that cannot be read: skipped, counted and logged."""


class DropshipDistributor(models.Model):
    _inherit = "dropship.distributor"

    # ------------------------------------------------------------------ actions
    def action_import_feed(self):
        for distributor in self:
            distributor._import_feed()
        return True

    # ------------------------------------------------------------------ feeds
    @api.model
    def _cron_import_feeds(self):
        """Hourly: enqueue one feed import job per distributor whose feed is due.
        Must be called from ir.cron."""
        now = fields.Datetime.now()
        distributors = self.search([("feed_url", "!=", False)])
        due = distributors.filtered(
            lambda d: not d.feed_last_run_at
            or d.feed_last_run_at + timedelta(hours=max(d.feed_interval, 1))
            <= now + timedelta(minutes=5)
        )
        for distributor in due:
            distributor.with_delay(
                description=self.env._("Read the feed of %s", distributor.name),
                identity_key=identity_exact,
            )._job_import_feed()
        return due

    def _job_import_feed(self):
        """Job: read the feed (errors are recorded on the distributor)."""
        self.ensure_one()
        return self._import_feed()

    def _fetch_feed(self):
        self.ensure_one()
        headers, auth = self._http_auth()
        response = requests.get(
            self.feed_url, headers=headers, auth=auth, timeout=self.feed_timeout
        )
        response.raise_for_status()
        return response.content.decode(response.encoding or "utf-8", "replace")

    def _read_feed_rows(self, text):
        """The raw rows (dicts of strings) of a feed document; raises ValueError
        when the document as a whole cannot be read."""
        self.ensure_one()
        if self.feed_format == "xml":
            return self._read_xml_feed_rows(text)
        return self._read_csv_feed_rows(text)

    def _read_xml_feed_rows(self, text):
        try:
            document = xmltodict.parse(text)
        except Exception as exc:  # expat errors have no common base
            raise ValueError(
                self.env._("The XML feed cannot be parsed: %s", exc)
            ) from exc
        root = next(iter(document.values()), None) if document else None
        products = (root or {}).get("product") if isinstance(root, dict) else None
        if products is None:
            raise ValueError(self.env._("The XML feed has no <product> element."))
        if isinstance(products, dict):
            products = [products]
        return [
            {k: (v if isinstance(v, str) else "") for k, v in (p or {}).items()}
            for p in products
        ]

    def _read_csv_feed_rows(self, text):
        reader = csv.DictReader(io.StringIO(text))
        missing = [
            c for c in FEED_REQUIRED_COLUMNS if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise ValueError(
                self.env._("The CSV feed lacks the column(s) %s.", ", ".join(missing))
            )
        return list(reader)

    @api.model
    def _parse_feed_row(self, row):
        part = (row.get("part_number") or "").strip()
        if not part:
            raise FeedRowError("empty part number")
        stock_raw = (row.get("stock") or "").strip()
        band = STOCK_BAND_RE.match(stock_raw)
        if band:  # banded stock (">100"): the band is a safe lower bound
            stock = int(band.group(1))
        elif stock_raw.isascii() and stock_raw.isdigit():
            stock = int(stock_raw)
        else:
            raise FeedRowError(f"part {part}: stock {stock_raw!r} is not a quantity")
        price_raw = (row.get("price") or "").strip()
        if not PRICE_RE.match(price_raw):
            raise FeedRowError(f"part {part}: price {price_raw!r} is not a number")
        lead = (row.get("lead_time_days") or "").strip()
        return {
            "part_number": part,
            "mpn": (row.get("mpn") or "").strip(),
            "ean": (row.get("ean") or "").strip(),
            "stock": stock,
            "price": float(price_raw),
            "currency": (row.get("currency") or "").strip().upper(),
            "lead_time_days": int(lead) if lead.isascii() and lead.isdigit() else None,
        }

    def _import_feed(self, text=None):
        """Read the stock and price feed and update the vendor lines
        (``product.supplierinfo``) of this distributor.

        Rows match the vendor line whose vendor product code is the part number,
        else a product whose internal reference is the row's MPN or whose barcode
        is its EAN (a vendor line is then created with the part number). Unknown
        parts are reported, broken rows skipped and logged; when the feed cannot
        be read at all nothing is written, so existing figures stay."""
        self.ensure_one()
        now = fields.Datetime.now()
        try:
            if text is None:
                text = self._fetch_feed()
            raw_rows = self._read_feed_rows(text)
        except (requests.RequestException, ValueError) as exc:
            return self._feed_failed(exc, now)
        rows, errors = self._parse_feed_rows(raw_rows)
        sellers = self._match_feed_rows(rows)
        updated = self._write_feed_rows(rows, sellers, now)
        unknown = sorted(set(rows) - set(sellers))
        state = "warning" if errors else "ok"
        message = self._feed_report(len(raw_rows), updated, unknown, errors)
        self.write(
            {
                "feed_state": state,
                "feed_last_run_at": now,
                "feed_last_success_at": now,
                "feed_message": message,
            }
        )
        return {
            "state": state,
            "updated": updated,
            "unknown": unknown,
            "errors": errors,
            "message": message,
        }

    def _feed_failed(self, error, now):
        """The feed could not be read at all (``error``): record it, keep the
        figures; the failed import's result."""
        message = self.env._("Feed not read, figures kept: %s", error)
        _logger.warning("Distributor %s: %s", self.name, message)
        self.write(
            {
                "feed_state": "failed",
                "feed_last_run_at": now,
                "feed_message": message,
            }
        )
        self.message_post(body=message)
        return {"state": "failed", "message": message}

    @api.model
    def _parse_feed_rows(self, raw_rows):
        """``({part_number: row}, [error])`` of the raw feed rows: a broken row
        is an error, a repeated part number keeps its last row."""
        rows, errors = {}, []
        for index, raw in enumerate(raw_rows, 1):
            try:
                row = self._parse_feed_row(raw)
            except FeedRowError as exc:
                # the row itself goes with the error: what the feed really said
                errors.append(
                    f"row {index}: {exc}: {json.dumps(raw, default=str)[:300]}"
                )
                continue
            rows[row["part_number"]] = row  # a repeated row: the last one wins
        return rows, errors

    def _write_feed_rows(self, rows, sellers, now):
        """Write the figures of ``rows`` on their vendor lines (``sellers``, see
        :meth:`_match_feed_rows`); how many vendor lines were updated."""
        currencies = {
            c.name: c
            for c in self.env["res.currency"].search(
                [("name", "in", list({r["currency"] for r in rows.values()}))]
            )
        }
        updated = 0
        for part, seller_list in sellers.items():
            row = rows[part]
            vals = {
                "price": row["price"],
                "feed_price": row["price"],
                "distributor_stock": row["stock"],
                "feed_updated_at": now,
            }
            if row["lead_time_days"] is not None:
                vals["delay"] = row["lead_time_days"]
            if row["currency"] in currencies:
                vals["currency_id"] = currencies[row["currency"]].id
            for seller in seller_list:
                seller.write(vals)
                updated += 1
        return updated

    def _feed_report(self, row_count, updated, unknown, errors):
        """The message of a feed read (counts, unknown part numbers, skipped
        rows), logged."""
        message = self.env._(
            "%(rows)s rows, %(updated)s vendor lines updated, %(unknown)s unknown "
            "part numbers, %(skipped)s rows skipped.",
            rows=row_count,
            updated=updated,
            unknown=len(unknown),
            skipped=len(errors),
        )
        if unknown:
            message += "\n" + self.env._(
                "Unknown part numbers: %s", ", ".join(unknown[:UNKNOWN_PARTS_SHOWN])
            )
            if len(unknown) > UNKNOWN_PARTS_SHOWN:
                message += ", …"
        if errors:
            message += "\n" + self.env._("Skipped rows:") + "\n" + "\n".join(errors)
            _logger.warning(
                "Distributor %s: %s feed rows skipped: %s",
                self.name,
                len(errors),
                "; ".join(errors),
            )
        _logger.info("Distributor %s feed: %s", self.name, message.splitlines()[0])
        return message

    def _match_feed_rows(self, rows):
        """``{part_number: [supplierinfo]}`` for the rows we can place."""
        self.ensure_one()
        sellers = self.env["product.supplierinfo"].search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "in", [False, self.company_id.id]),
                ("product_code", "in", list(rows)),
            ]
        )
        matched = {}
        for seller in sellers:
            matched.setdefault(seller.product_code, []).append(seller)
        rest = {p: r for p, r in rows.items() if p not in matched}
        if rest:
            self._match_feed_rows_by_product(rest, matched)
        return matched

    def _match_feed_rows_by_product(self, rows, matched):
        """Place ``rows`` (no vendor line has their part number) on the products
        whose internal reference is their MPN or whose barcode is their EAN: the
        product's vendor line of this distributor without a code gets the part
        number, else one is created. Adds them to ``matched``."""
        mpns = {r["mpn"]: p for p, r in rows.items() if r["mpn"]}
        eans = {r["ean"]: p for p, r in rows.items() if r["ean"]}
        products = self.env["product.product"].search(
            [
                ("company_id", "in", [False, self.company_id.id]),
                "|",
                ("default_code", "in", list(mpns)),
                ("barcode", "in", list(eans)),
            ]
        )
        new_vals = []
        for product in products:
            part = mpns.get(product.default_code) or eans.get(product.barcode)
            if not part or part in matched:
                continue
            existing = product.seller_ids.filtered(
                lambda s: s.partner_id == self.partner_id
                and not s.product_code
                and s.company_id in (self.company_id, self.env["res.company"])
            )[:1]
            if existing:
                existing.product_code = part
                matched[part] = [existing]
                continue
            new_vals.append((part, self._feed_seller_vals(product, part)))
        if new_vals:
            created = self.env["product.supplierinfo"].create(
                [vals for _part, vals in new_vals]
            )
            for (part, _vals), seller in zip(new_vals, created, strict=True):
                matched[part] = [seller]
        return matched

    def _feed_seller_vals(self, product, part):
        """The vendor line created for a feed row of ``part`` matched to
        ``product`` by its MPN or EAN."""
        return {
            "partner_id": self.partner_id.id,
            "product_tmpl_id": product.product_tmpl_id.id,
            "product_id": product.id
            if product.product_tmpl_id.product_variant_count > 1
            else False,
            "product_code": part,
            "company_id": self.company_id.id,
        }
