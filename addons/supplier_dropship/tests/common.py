import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from odoo import Command

from odoo.addons.omnichannel_orders.tests.common import OmniCommon

from simulators.distributor import DistributorSimulator

# simulator catalogue entries every distributor carries (data.catalogue())
PART_KETTLE = "KETTLE"
PART_EARBUDS = "EARBUDS"
PART_NOTEBOOK = "NOTEBOOK"


class CaptureServer:
    """A tiny HTTP server that records what is POSTed to it (the simulator's
    dispatch notifications) and answers 200."""

    def __init__(self):
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                return

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/dispatch"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class DropshipCommon(OmniCommon):
    """Three distributors on the distributor simulator (real HTTP): ingram (cXML,
    real-time), techdata (UBL, real-time), exertis (openTRANS, feed only), and
    drop-ship products whose vendor lines come from the feeds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = DistributorSimulator(port=0, seed=6, dispatch_after=10**9).start()
        cls.addClassCleanup(cls.sim.stop)
        cls.gbp = cls.env.ref("base.GBP")
        cls.gbp.active = True
        cls.route_dropship = cls.env.ref("stock_dropshipping.route_drop_shipping")
        cls.country_gb = cls.env.ref("base.uk")
        cls.customer.write(
            {
                "street": "1 Deansgate",
                "city": "Manchester",
                "zip": "M1 1AE",
                "country_id": cls.country_gb.id,
            }
        )
        cls.ingram = cls._create_distributor("ingram", "cxml", True, "csv")
        cls.techdata = cls._create_distributor("techdata", "ubl", True, "csv")
        cls.exertis = cls._create_distributor("exertis", "opentrans", False, "xml")
        cls.distributors = cls.ingram | cls.techdata | cls.exertis
        cls.kettle = cls._create_dropship_product("Electric kettle", PART_KETTLE, 1.3)
        cls.earbuds = cls._create_dropship_product("Earbuds", PART_EARBUDS, 0.15)
        cls.notebook = cls._create_dropship_product("Notebook", PART_NOTEBOOK, 0.3)
        cls.products = cls.kettle | cls.earbuds | cls.notebook
        for product in cls.products:
            for distributor in cls.distributors:
                cls.set_part(distributor, product.default_code, stock=50, price=40.0)
        for distributor in cls.distributors:
            distributor._import_feed()

    @classmethod
    def _create_distributor(cls, code, po_format, realtime, feed_format):
        partner = cls.env["res.partner"].create(
            {
                "name": f"{code.title()} (simulated)",
                "is_company": True,
                "email": f"orders@{code}.example.com",
                "property_purchase_currency_id": cls.gbp.id,
            }
        )
        base = f"{cls.sim.url}/{code}"
        return cls.env["dropship.distributor"].create(
            {
                "partner_id": partner.id,
                "code": code,
                "po_format": po_format,
                "endpoint_url": f"{base}/orders",
                "realtime_supported": realtime,
                "realtime_url": f"{base}/realtime" if realtime else False,
                "feed_url": f"{base}/feed.{feed_format}",
                "feed_format": feed_format,
                "timeout": 3.0,
                "username": "reseller",
                "password": f"{code}-password",
                "buyer_identity": "RESELLER-001",
                "supplier_identity": code.upper(),
                "shared_secret": f"{code}-shared-secret",
                "webhook_secret": f"{code}-webhook-secret",
                "account_manager_email": f"am@{code}.example.com",
            }
        )

    @classmethod
    def _create_dropship_product(cls, name, code, weight):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "type": "consu",
                "is_storable": True,
                "list_price": 99.0,
                "weight": weight,
                "invoice_policy": "delivery",
                "route_ids": [Command.link(cls.route_dropship.id)],
            }
        )

    @classmethod
    def set_part(cls, distributor, part, **values):
        """Set a part's live values on the simulator (stock, price,
        lead_time_days)."""
        response = requests.post(
            f"{cls.sim.url}/_sim/{distributor.code}/parts/{part}",
            json=values,
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    @classmethod
    def set_faults(cls, **faults):
        requests.post(f"{cls.sim.url}/_sim/faults", json=faults, timeout=10)

    def reset_faults(self):
        self.set_faults(
            timeout=0, rate_5xx=0, rate_429=0, malformed=0, duplicates=0, latency=0
        )

    def seller(self, distributor, product):
        return distributor._seller_for(product)

    def sim_orders(self, distributor):
        return self.sim.inspect()["orders"][distributor.code]

    def create_dropship_order(self, lines, channel=None, **vals):
        """A confirmed order of ``lines``: (product, qty[, distributor])."""
        order = self.create_order(
            channel=channel,
            lines=[(line[0], line[1], 99.0) for line in lines],
            **vals,
        )
        for line, spec in zip(order.order_line, lines, strict=True):
            if len(spec) > 2 and spec[2]:
                line.dropship_distributor_id = spec[2]
        if order.state != "sale":
            order.action_confirm()
        return order

    def store_foreign_unit(self, lines):
        """Store ``lines`` in kilograms, a unit of another category than their
        products' (as an import from outside Odoo could): the planner cannot
        convert them. Written in SQL: Odoo's ORM (``delivery``'s weight of the
        order) refuses to compute such a line at all."""
        kg = self.env.ref("uom.product_uom_kgm")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order_line SET product_uom = %s WHERE id IN %s",
            (kg.id, tuple(lines.ids)),
        )
        self.env.invalidate_all()

    @staticmethod
    def json_of(response):
        return json.loads(response.content)
