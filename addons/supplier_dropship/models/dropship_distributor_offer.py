"""dropship.distributor: what the distributors offer for products (vendor lines,
real-time checks in parallel) and the basket's availability answer."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

import requests

from odoo import api, fields, models

from .dropship_distributor import _logger

REALTIME_MAX_PARTS = 50


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
    _inherit = "dropship.distributor"

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
                offer = distributor._feed_offer(product, seller)
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

    def _feed_offer(self, product, seller):
        """The offer of this distributor for ``product`` from its vendor line
        ``seller`` (the latest feed figures)."""
        return {
            "distributor": self,
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
            figures = self._realtime_figures(future, distributor)
            if figures is not None:
                self._apply_realtime_figures(asks[distributor], figures)

    @api.model
    def _realtime_figures(self, future, distributor):
        """The live figures of a finished real-time check of ``distributor``, or
        ``None`` (logged) when it timed out or failed."""
        if not future.done():
            _logger.info(
                "Real-time check of %s timed out: feed figures used",
                distributor.name,
            )
            return None
        try:
            return future.result()
        except (requests.RequestException, ValueError, KeyError) as exc:
            _logger.info(
                "Real-time check of %s failed (%s): feed figures used",
                distributor.name,
                exc,
            )
            return None

    @api.model
    def _apply_realtime_figures(self, offers, figures):
        """Overwrite ``offers`` with the live ``figures`` of their part numbers."""
        for offer in offers:
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
