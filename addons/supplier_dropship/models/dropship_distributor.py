import csv
import io
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from datetime import timedelta

import requests
import xmltodict

from odoo import api, fields, models
from odoo.tools import float_is_zero

from odoo.addons.queue_job.job import identity_exact

_logger = logging.getLogger(__name__)

FEED_REQUIRED_COLUMNS = ("part_number", "stock", "price")
PRICE_RE = re.compile(r"^\d+(\.\d+)?$")
STOCK_BAND_RE = re.compile(r"^>\s*(\d+)$")
REALTIME_MAX_PARTS = 50
UNKNOWN_PARTS_SHOWN = 20


class FeedRowError(ValueError):
    """A feed row that cannot be read: skipped, counted and logged."""


def _realtime_request(conf, parts):
    """Ask one distributor for live figures (runs in a worker thread: no ORM).

    Returns ``{part: {"stock", "price", "currency", "lead_time_days"}}``."""
    response = requests.post(
        conf["url"],
        json={"parts": parts},
        headers=conf["headers"],
        auth=conf["auth"],
        timeout=conf["timeout"],
    )
    response.raise_for_status()
    figures = {}
    for result in response.json().get("results", []):
        if not result.get("found"):
            figures[result.get("requested")] = {"stock": 0, "found": False}
            continue
        figures[result["requested"]] = {
            "found": True,
            "stock": int(result.get("stock") or 0),
            "price": float(result.get("price") or 0.0),
            "currency": result.get("currency"),
            "lead_time_days": int(result.get("lead_time_days") or 0),
        }
    return figures


class DropshipDistributor(models.Model):
    """A vendor that ships for us, with its electronic connection."""

    _name = "dropship.distributor"
    _description = "Drop-ship Distributor"
    _inherit = ["mail.thread"]
    _order = "name"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Vendor",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
    )
    name = fields.Char(related="partner_id.name", store=True)
    code = fields.Char(
        help="The distributor's code on its own system; also the last part of the "
        "dispatch notification URL /supplier_dropship/dispatch/<code>.",
        index=True,
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    po_format = fields.Selection(
        selection=[
            ("ubl", "UBL 2.1 Order"),
            ("cxml", "cXML OrderRequest"),
            ("opentrans", "openTRANS 2.1 ORDER"),
            ("pdf", "PDF by e-mail"),
        ],
        string="PO Format",
        required=True,
        default="pdf",
        tracking=True,
    )
    endpoint_url = fields.Char(
        string="PO Endpoint", help="URL the purchase order documents are POSTed to."
    )
    order_email = fields.Char(
        string="Orders E-mail",
        help="Where PDF purchase orders go (PDF format). Default: the account "
        "manager, then the vendor's e-mail.",
    )
    account_manager_email = fields.Char(
        help="Receives the PDF purchase order when a cost price was edited away from "
        "the feed price, so that the agreed price is invoiced."
    )
    realtime_supported = fields.Boolean(string="Real-time Stock/Price Checks")
    realtime_url = fields.Char(string="Real-time Endpoint")
    timeout = fields.Float(
        string="Timeout (s)",
        default=3.0,
        help="Time allowed to a purchase order transmission or a real-time check.",
    )
    # credentials (managers only)
    username = fields.Char(groups="purchase.group_purchase_manager")
    password = fields.Char(groups="purchase.group_purchase_manager")
    api_key = fields.Char(
        string="API Key",
        groups="purchase.group_purchase_manager",
        help="Sent as the X-Api-Key header; HTTP Basic is used when empty.",
    )
    buyer_identity = fields.Char(
        groups="purchase.group_purchase_manager",
        help="Our account at the distributor: cXML From/Sender identity, openTRANS "
        "buyer PARTY_ID.",
    )
    supplier_identity = fields.Char(
        groups="purchase.group_purchase_manager",
        help="The distributor's identity: cXML To identity, openTRANS supplier "
        "PARTY_ID.",
    )
    shared_secret = fields.Char(
        string="cXML Shared Secret", groups="purchase.group_purchase_manager"
    )
    webhook_secret = fields.Char(
        groups="purchase.group_purchase_manager",
        help="Key of the HMAC-SHA256 signature (X-Signature) of dispatch "
        "notifications.",
    )
    # feed
    feed_url = fields.Char(string="Feed Location")
    feed_format = fields.Selection(
        selection=[("csv", "CSV"), ("xml", "XML")], default="csv", required=True
    )
    feed_interval = fields.Integer(
        string="Feed Interval (hours)",
        default=1,
        help="How often the stock and price feed is read.",
    )
    feed_timeout = fields.Float(string="Feed Timeout (s)", default=60.0)
    feed_last_run_at = fields.Datetime(readonly=True, copy=False)
    feed_last_success_at = fields.Datetime(readonly=True, copy=False)
    feed_state = fields.Selection(
        selection=[
            ("never", "Never read"),
            ("ok", "OK"),
            ("warning", "Read with skipped rows"),
            ("failed", "Failed"),
        ],
        default="never",
        readonly=True,
        copy=False,
    )
    feed_message = fields.Text(readonly=True, copy=False)
    # delivery charges
    freight_rule_ids = fields.One2many(
        comodel_name="dropship.freight.rule",
        inverse_name="distributor_id",
        string="Delivery Charges",
    )
    transmission_ids = fields.One2many(
        comodel_name="dropship.po.transmission", inverse_name="distributor_id"
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "This vendor already has a distributor connection in this company.",
        ),
    ]

    # ------------------------------------------------------------------ helpers
    @api.model
    def _for_partners(self, partners, company=None):
        """The active distributors of ``partners`` (commercial entities) in
        ``company``, as ``{partner_id: distributor}``."""
        company = company or self.env.company
        distributors = self.sudo().search(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("company_id", "=", company.id),
            ]
        )
        return {d.partner_id.id: d for d in distributors}

    def _http_auth(self):
        """(headers, auth) for the distributor's HTTP API."""
        self.ensure_one()
        sudo = self.sudo()
        headers = {"User-Agent": "Odoo supplier_dropship"}
        if sudo.api_key:
            headers["X-Api-Key"] = sudo.api_key
            return headers, None
        if sudo.username:
            return headers, (sudo.username, sudo.password or "")
        return headers, None

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
            message = self.env._("Feed not read, figures kept: %s", exc)
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
        sellers = self._match_feed_rows(rows)
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
        unknown = sorted(set(rows) - set(sellers))
        state = "warning" if errors else "ok"
        message = self.env._(
            "%(rows)s rows, %(updated)s vendor lines updated, %(unknown)s unknown "
            "part numbers, %(skipped)s rows skipped.",
            rows=len(raw_rows),
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

    def _match_feed_rows(self, rows):
        """``{part_number: [supplierinfo]}`` for the rows we can place."""
        self.ensure_one()
        Supplierinfo = self.env["product.supplierinfo"]
        sellers = Supplierinfo.search(
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
        if not rest:
            return matched
        mpns = {r["mpn"]: p for p, r in rest.items() if r["mpn"]}
        eans = {r["ean"]: p for p, r in rest.items() if r["ean"]}
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
            new_vals.append(
                (
                    part,
                    {
                        "partner_id": self.partner_id.id,
                        "product_tmpl_id": product.product_tmpl_id.id,
                        "product_id": product.id
                        if product.product_tmpl_id.product_variant_count > 1
                        else False,
                        "product_code": part,
                        "company_id": self.company_id.id,
                    },
                )
            )
        if new_vals:
            created = Supplierinfo.create([vals for _part, vals in new_vals])
            for (part, _vals), seller in zip(new_vals, created, strict=True):
                matched[part] = [seller]
        return matched

    # ------------------------------------------------------------------ offers
    def _seller_for(self, product):
        """The vendor line of this distributor for ``product``."""
        self.ensure_one()
        return product.seller_ids.filtered(
            lambda s: s.partner_id.commercial_partner_id == self.partner_id
            and (not s.product_id or s.product_id == product)
            and s.company_id in (self.company_id, self.env["res.company"])
        ).sorted(lambda s: (not s.product_code, s.sequence, s.id))[:1]

    @api.model
    def _dropship_offers(self, products, realtime=True, company=None):
        """What each distributor offers for ``products``: ``{product_id: [offer]}``
        where an offer is a dict (distributor, supplierinfo, part number, stock,
        price in the vendor line's currency and in the company currency, lead
        time, and the source: ``realtime`` or ``feed``).

        Real-time figures are asked in parallel from the distributors that support
        them, each within its timeout; a distributor that fails or is too slow
        falls back to its latest feed figures."""
        company = company or self.env.company
        sellers = products.sudo().seller_ids
        by_partner = self._for_partners(sellers.partner_id, company)
        offers = {product.id: [] for product in products}
        asks = {}
        for product in products:
            for distributor in sorted(by_partner.values(), key=lambda d: d.id):
                seller = distributor._seller_for(product.sudo())
                if not seller:
                    continue
                offer = {
                    "distributor": distributor,
                    "supplierinfo": seller,
                    "part_number": seller.product_code or product.default_code,
                    "stock": seller.distributor_stock,
                    "price": seller.price,
                    "feed_price": seller.feed_price or seller.price,
                    "currency": seller.currency_id,
                    "lead_time_days": seller.delay,
                    "source": "feed",
                    "updated_at": seller.feed_updated_at,
                }
                offers[product.id].append(offer)
                if (
                    realtime
                    and distributor.realtime_supported
                    and distributor.realtime_url
                    and offer["part_number"]
                ):
                    asks.setdefault(distributor, []).append(offer)
        if asks:
            self._apply_realtime(asks)
        for product_offers in offers.values():
            for offer in product_offers:
                offer["price_company"] = offer["currency"]._convert(
                    offer["price"], company.currency_id, company, fields.Date.today()
                )
        return offers

    @api.model
    def _apply_realtime(self, asks):
        """Overwrite the offers of ``asks`` ({distributor: [offer]}) with live
        figures where the distributor answers in time."""
        jobs = []
        for distributor, offers in asks.items():
            headers, auth = distributor._http_auth()
            parts = list(dict.fromkeys(o["part_number"] for o in offers))
            for start in range(0, len(parts), REALTIME_MAX_PARTS):
                conf = {
                    "url": distributor.realtime_url,
                    "headers": headers,
                    "auth": auth,
                    "timeout": distributor.timeout,
                }
                jobs.append(
                    (distributor, conf, parts[start : start + REALTIME_MAX_PARTS])
                )
        budget = max(d.timeout for d in asks) or 3.0
        executor = ThreadPoolExecutor(
            max_workers=min(len(jobs), 8), thread_name_prefix="dropship-realtime"
        )
        futures = {
            executor.submit(_realtime_request, conf, parts): distributor
            for distributor, conf, parts in jobs
        }
        wait_futures(futures, timeout=budget)
        executor.shutdown(wait=False, cancel_futures=True)
        for future, distributor in futures.items():
            if not future.done():
                _logger.info(
                    "Real-time check of %s timed out: feed figures used",
                    distributor.name,
                )
                continue
            try:
                figures = future.result()
            except (requests.RequestException, ValueError, KeyError) as exc:
                _logger.info(
                    "Real-time check of %s failed (%s): feed figures used",
                    distributor.name,
                    exc,
                )
                continue
            for offer in asks[distributor]:
                live = figures.get(offer["part_number"])
                if not live:
                    continue
                offer["source"] = "realtime"
                offer["stock"] = live["stock"]
                if live.get("found"):
                    offer["price"] = live["price"]
                    offer["lead_time_days"] = live["lead_time_days"]

    @api.model
    def _dropship_availability(self, requests_list, realtime=True):
        """The basket's answer: ``requests_list`` is a list of (product,
        quantity); returns one dict per entry with the availability and the best
        price across distributors — nothing else (no distributor, no supplier
        code)."""
        products = self.env["product.product"].browse(
            {product.id for product, _qty in requests_list}
        )
        offers = self._dropship_offers(products, realtime=realtime)
        currency = self.env.company.currency_id
        answer = []
        for product, qty in requests_list:
            product_offers = offers.get(product.id, [])
            in_stock = [o for o in product_offers if o["stock"] >= qty]
            best = min(
                in_stock or product_offers,
                key=lambda o: (o["price_company"], o["lead_time_days"]),
                default=None,
            )
            answer.append(
                {
                    "sku": product.default_code or None,
                    "product_id": product.id,
                    "quantity": qty,
                    "available": bool(in_stock),
                    "stock": int(sum(max(o["stock"], 0) for o in product_offers)),
                    "price": currency.round(best["price_company"]) if best else None,
                    "currency": currency.name,
                    "lead_time_days": best["lead_time_days"] if best else None,
                    "offers": len(product_offers),
                    "live": any(o["source"] == "realtime" for o in product_offers),
                }
            )
        return answer

    # ------------------------------------------------------------------ freight
    def _dropship_delivery_charge(self, weight, country):
        """Delivery charge (company currency) of a shipment of ``weight`` kg to
        ``country``: the first matching rule, rules for the country before rules
        for every country, then by weight band (a band without a maximum weight
        is the flat rate)."""
        self.ensure_one()
        rules = self.freight_rule_ids.filtered(
            lambda r: not r.country_ids or (country and country in r.country_ids)
        ).sorted(
            lambda r: (
                not r.country_ids,
                float_is_zero(r.weight_max, precision_digits=3),
                r.weight_max,
                r.sequence,
            )
        )
        for rule in rules:
            if float_is_zero(rule.weight_max, precision_digits=3) or (
                weight <= rule.weight_max
            ):
                return rule.charge
        return 0.0
