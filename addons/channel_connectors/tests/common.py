from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import requests

from odoo.tests import BaseCase

from odoo.addons.omnichannel_orders.tests.common import OmniCommon
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from ..adapters import AdapterError, ParseError, get_adapter_class

#: the engine's logger (every omni_channel_*.py logs under it)
ENGINE_LOGGER = "odoo.addons.channel_connectors.models.omni_channel"
#: the REST source's filter of the simulator's seed (the hub job's default)
SEED_FILTER = "status__ne=DELETED&item_status=ready_to_ship"
#: the credentials the marketplace simulators know
SHOPEE_CREDENTIALS = {
    "app_key": "2001887",  # partner_id
    "app_secret": "shopee-partner-key",  # partner_key
    "shop_id": "600001",
}
TIKTOK_CREDENTIALS = {
    "app_key": "29a39d",
    "app_secret": "tiktok-app-secret",
    "shop_cipher": "ROW_sim_cipher",
}


def load_simulator(module, name):
    """Import a simulator class from the repository's ``simulators`` package."""
    package = __import__(f"simulators.{module}", fromlist=[name])
    return getattr(package, name)


def utc(epoch):
    """Epoch seconds -> naive UTC datetime."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


class TimeoutSession(requests.Session):
    """A session whose every call times out."""

    def request(self, method, url, *args, **kwargs):
        raise requests.Timeout(f"read timeout ({kwargs.get('timeout')} s)")


class SimulatorAdapterCommon(BaseCase):
    """A platform adapter against its in-process simulator, over real HTTP and
    without a database (the adapters are plain Python). Subclasses set
    ``platform``, ``simulator`` ((module, class), started with
    ``simulator_options``) and ``credentials`` (what the connection adds)."""

    platform = None
    simulator = None
    simulator_options = {}
    credentials = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = load_simulator(*cls.simulator)(**cls.simulator_options).start()
        cls.addClassCleanup(cls.sim.stop)
        cls.adapter_class = get_adapter_class(cls.platform)


class AdapterCommon(SimulatorAdapterCommon):
    """A marketplace's adapter (Shopee, TikTok Shop), authorised through the
    simulator's code flow."""

    simulator_options = {"orders": 25, "seed": 7}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.http = requests.Session()
        cls.addClassCleanup(cls.http.close)
        cls.connection = dict(
            cls.credentials, base_url=cls.sim.url, page_limit=7, timeout=5.0
        )
        code = cls.sim_post("/_sim/auth/code", {})["code"]
        adapter = cls.adapter_class(cls.connection)
        tokens = adapter.create_access_token(code)
        cls.connection.update(
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
        )

    # ---- simulator -------------------------------------------------------------------
    @classmethod
    def sim_post(cls, path, body):
        resp = cls.http.post(cls.sim.url + path, json=body, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def state(self):
        return self.http.get(self.sim.url + "/_sim/state", timeout=10).json()

    def faults(self, values):
        self.sim_post("/_sim/faults", values)
        if values:
            self.addCleanup(self.sim_post, "/_sim/faults", {})

    def receive_push(self, push):
        """The (headers, body) the simulator pushes to a receiver of ours when
        asked with ``push``, and the receiver's URL."""
        receiver = load_simulator("core", "PushReceiver")(f"/{self.platform}/push")
        self.addCleanup(receiver.close)
        self.sim_post("/_sim/push_config", {"url": receiver.url})
        self.addCleanup(self.sim_post, "/_sim/push_config", {"url": None})
        self.sim_post("/_sim/push", push)
        self.assertTrue(receiver.event.wait(5), "the simulator pushed nothing")
        headers, body = receiver.received[-1]
        return headers, body, receiver.url

    # ---- adapter ---------------------------------------------------------------------
    def adapter(self, **values):
        adapter = self.adapter_class(dict(self.connection, **values))
        self.addCleanup(adapter.session.close)
        return adapter

    def order(self, adapter, external_id):
        return adapter.parse_order(adapter.get_orders([external_id])[0])

    def list_every_order(self, adapter):
        """(simulator state, window start, pages) of a listing from an hour before
        the oldest change to a minute past the simulator's now: every order comes
        once, in pages of at most 7."""
        state = self.state()
        first = min(o["update_time"] for o in state["orders"].values())
        since = utc(first - 3600)
        until = utc(int(state["clock"]) + 60)
        pages = list(adapter.list_orders(since, until))
        ids = [adapter.external_id_of(raw) for page in pages for raw in page]
        self.assertEqual(len(ids), len(set(ids)), "an order came twice")
        self.assertEqual(set(ids), set(state["orders"]))
        self.assertTrue(all(len(page) <= 7 for page in pages))
        return state, since, pages

    def assert_retryable(self, call, retry_after=None):
        """``call()`` raises a retryable :class:`AdapterError` (asking to wait
        ``retry_after`` seconds when given); returns it."""
        with self.assertRaises(AdapterError) as caught:
            call()
        self.assertTrue(caught.exception.retryable)
        if retry_after is not None:
            self.assertEqual(caught.exception.retry_after, retry_after)
        return caught.exception

    def assert_nothing_listed_before(self, adapter, since):
        """An update window of a day, well before ``since``, lists nothing."""
        self.assertFalse(
            list(
                adapter.list_orders(
                    since - timedelta(days=40), since - timedelta(days=39)
                )
            )
        )

    def every_parsed_order(self, adapter):
        """(raw details, parsed order, the simulator's order) of every order the
        simulator has."""
        state = self.state()
        raws = adapter.get_orders(list(state["orders"]))
        self.assertEqual(len(raws), len(state["orders"]))
        for raw in raws:
            order = adapter.parse_order(raw)
            yield raw, order, state["orders"][order["external_id"]]

    def parse_all(self, adapter, raws, prefix):
        """(parsed orders, ParseErrors) of ``raws``; each error names the order
        with ``prefix`` and keeps its payload."""
        good, bad = [], []
        for raw in raws:
            try:
                good.append(adapter.parse_order(raw))
            except ParseError as exc:
                bad.append(exc)
                self.assertTrue(str(exc).startswith(prefix))
                self.assertIsNotNone(exc.payload)
        return good, bad

    def assert_amounts_add_up(self, amounts):
        self.assertAlmostEqual(
            amounts["items"]
            + amounts["shipping"]
            - amounts["voucher"]
            + amounts["fees"]
            + (amounts.get("tax") or 0.0),
            amounts["total"],
            places=2,
        )

    def assert_network_errors_retryable(self, external_id):
        """A timeout and a refused connection are retryable errors."""
        session = TimeoutSession()
        self.addCleanup(session.close)
        adapter_timeout = self.adapter_class(self.connection, session=session)
        self.assert_retryable(lambda: adapter_timeout.get_orders([external_id]))
        refused = self.adapter(base_url="http://127.0.0.1:9")
        self.assert_retryable(lambda: refused.get_orders([external_id]))


class TimingOutSession:
    """A session whose every call raises ``error`` (a requests timeout)."""

    def __init__(self, error):
        self.error = error

    def request(self, method, url, **kwargs):
        raise self.error(f"timed out ({url})")


class SourceAdapterCommon(SimulatorAdapterCommon):
    """A cursor-paged order source's adapter (e-shop, REST), the simulator reset
    before each test."""

    def setUp(self):
        super().setUp()
        self.sim_post("/_sim/faults", {})
        self.sim_post("/_sim/reset", {})

    # ---- helpers ---------------------------------------------------------------------
    def sim_post(self, path, payload):
        response = requests.post(self.sim.url + path, json=payload, timeout=10)
        self.assertLess(response.status_code, 300, response.text)
        return response.json()

    def sim_state(self):
        return requests.get(self.sim.url + "/_sim/state", timeout=10).json()

    def connection(self, **values):
        connection = dict(self.credentials, base_url=self.sim.url, timeout=10)
        connection.update(values)
        return connection

    def adapter(self, **connection):
        return self.adapter_class(self.connection(**connection))

    def fetch(self, adapter, since=None):
        """Every order of a full run and the parse errors, in order."""
        orders, errors = [], []
        for page in adapter.list_orders(since):
            for raw in page:
                try:
                    orders.append(adapter.parse_order(raw))
                except ParseError as exc:
                    errors.append(exc)
        return orders, errors

    def find_state(self, sim_state, **wanted):
        for order_id, order in sorted(sim_state["orders"].items()):
            if all(order[key] == value for key, value in wanted.items()):
                return order_id, order
        self.fail(f"the simulator has no order with {wanted}")

    def assert_network_errors_retryable(self, timeout, error):
        """A timeout (``error`` raised by the session) and a refused connection
        are retryable errors that say so."""
        adapter = self.adapter_class(
            self.connection(timeout=timeout), session=TimingOutSession(error)
        )
        with self.assertRaises(AdapterError) as caught:
            list(adapter.list_orders(None))
        self.assertTrue(caught.exception.retryable)
        self.assertIn(f"timed out after {timeout:g} s", str(caught.exception))

        with self.assertRaises(AdapterError) as caught:
            list(self.adapter(base_url="http://127.0.0.1:9").list_orders(None))
        self.assertTrue(caught.exception.retryable)
        self.assertIn("cannot be reached", str(caught.exception))


def channel_pricelist(env, code):
    """A pricelist in currency ``code`` (activated) for a channel whose shop
    sells in it: the channel's orders and invoices are in that currency."""
    currency = (
        env["res.currency"]
        .with_context(active_test=False)
        .search([("name", "=", code)], limit=1)
    )
    currency.active = True
    pricelist = env["product.pricelist"].search(
        [
            ("currency_id", "=", currency.id),
            ("company_id", "in", [env.company.id, False]),
        ],
        limit=1,
    )
    return pricelist or env["product.pricelist"].create(
        {"name": f"{code} prices", "currency_id": currency.id}
    )


class ConnectorCommon(OmniCommon):
    """A channel talking to a platform simulator over real HTTP. Subclasses set
    ``platform`` and ``simulator`` ((module, class), started with
    ``simulator_options``) or override ``_start_simulator``, and implement
    ``_authorise``."""

    platform = None
    simulator = None
    simulator_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = cls._start_simulator()
        cls.addClassCleanup(cls.sim.stop)
        cls.channel.write(cls._channel_vals())

    @classmethod
    def _start_simulator(cls):
        simulator = load_simulator(*cls.simulator)
        return simulator(**cls.simulator_options).start()

    #: the currency the simulator's shop sells in (default: the simulator's
    #: ``currency``, else MYR): the channel's pricelist is in it
    channel_currency = None

    @classmethod
    def _channel_vals(cls):
        code = cls.channel_currency or getattr(cls.sim, "currency", None) or "MYR"
        return {
            "platform": cls.platform,
            "rate_limit_per_second": 0,
            "pricelist_id": channel_pricelist(cls.env, code).id,
        }

    def setUp(self):
        super().setUp()
        self.sim_post("/_sim/reset")
        self.sim_post("/_sim/faults", {})
        self.sim_post("/_sim/push_config", {"url": None})
        self._authorise()

    def _authorise(self):
        raise NotImplementedError

    # ---- simulator -----------------------------------------------------------------
    def sim_post(self, path, json=None):
        resp = requests.post(self.sim.url + path, json=json or {}, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def sim_state(self):
        resp = requests.get(self.sim.url + "/_sim/state", timeout=10)
        resp.raise_for_status()
        return resp.json()

    def sim_orders(self):
        return self.sim_state()["orders"]

    # ---- jobs ----------------------------------------------------------------------
    @contextmanager
    def jobs(self):
        with trap_jobs() as trap:
            yield trap

    def run_jobs(self, trap, rounds=10):
        """Perform the trapped jobs, and the jobs they enqueue, until none is left.
        Each round starts with the precommit hooks, as the commit that hands the
        jobs to the runner would (history, the fulfilled push)."""
        for _round in range(rounds):
            self.flush_history()
            if not trap.enqueued_jobs:
                return
            trap.perform_enqueued_jobs()
        self.assertFalse(trap.enqueued_jobs, "jobs keep enqueuing jobs")

    def drain_webhooks(self):
        """Run the webhook drain jobs waiting, as the job runner would."""
        for record in self.env["queue.job"].search(
            [
                ("method_name", "=", "_drain_webhooks_job"),
                ("state", "in", ("pending", "enqueued")),
            ]
        ):
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()

    def pull(self, **kwargs):
        with self.jobs() as trap:
            self.channel._enqueue_pull(**kwargs)
            self.run_jobs(trap)

    def channel_orders(self):
        return self.env["sale.order"].search([("channel_id", "=", self.channel.id)])

    def order_of(self, external_id):
        """The channel's order ``external_id`` in Odoo."""
        return self.channel_orders().filtered(
            lambda o: o.channel_order_ref == external_id
        )

    # ---- fulfilment ----------------------------------------------------------------
    def ship_wizard(self, orders, method="dropoff", **values):
        """The Ship wizard of ``orders`` with ``method`` and ``values``."""
        return (
            self.env["channel.ship.wizard"]
            .with_context(active_model="sale.order", active_ids=orders.ids)
            .create(dict(values, method=method))
        )

    def ship(self, orders, method="dropoff", **values):
        """Arrange the shipment of ``orders`` through the Ship wizard."""
        wizard = self.ship_wizard(orders, method, **values)
        wizard.action_arrange()
        return wizard

    def accept_and_ship(self, orders, method="dropoff", **values):
        """Accept ``orders`` on the channel (confirmed in Odoo), then ship them:
        every job done, shipped on the channel."""
        with self.jobs() as trap:
            orders.action_channel_accept()
            self.assertEqual(set(orders.mapped("state")), {"sale"})
            self.ship(orders, method, **values)
            self.run_jobs(trap)
        self.assertTrue(orders.channel_shipped)


class MarketplaceMixin:
    """For :class:`ConnectorCommon`: a marketplace simulator whose API the
    channel reaches at ``api_path`` with ``credentials``, authorised through the
    simulator's authorisation-code flow."""

    simulator_options = {"orders": 25, "seed": 7}
    api_path = ""
    credentials = {}

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            api_base_url=cls.sim.url + cls.api_path,
            page_limit=7,
            initial_import_days=30,
            **cls.credentials,
        )

    def _authorise(self):
        code = self.sim_post("/_sim/auth/code")["code"]
        self.channel._connector_exchange_code(code)


class MarketplaceCycleMixin(MarketplaceMixin):
    """A full order cycle on a marketplace whose lines carry item refs."""

    def map_skus(self, order):
        """A product per SKU of ``order``, in stock, mapped with its item ref."""
        for line in order.order_line.filtered("channel_sku"):
            product = self._create_product(
                line.channel_sku.title(), f"P-{line.channel_sku}", 10.0, qty=50.0
            )
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": line.channel_sku,
                    "channel_item_ref": line.channel_item_ref,
                    "product_id": product.id,
                }
            )

    def import_again(self, external_id):
        with self.jobs() as trap:
            self.channel._enqueue_import(external_id)
            self.run_jobs(trap)

    def deliver_and_invoice(self, order):
        """Deliver ``order``: its invoice is posted, the order fulfilled. Returns
        {line: its product's channel mapping}, each with its stock sent."""
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, order.amount_total)
        self.assertEqual(order.lifecycle_state, "fulfilled")
        mappings = {}
        for line in order.order_line.filtered("channel_sku"):
            mapping = self.env["omni.channel.product"].search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("product_id", "=", line.product_id.id),
                ]
            )
            self.assertTrue(mapping.stock_sent_at)
            mappings[line] = mapping
        return mappings

    def assert_pulled_once(self, external_id):
        """A later pull does not duplicate the order."""
        self.pull()
        self.assertEqual(
            self.env["sale.order"].search_count(
                [
                    ("channel_id", "=", self.channel.id),
                    ("channel_order_ref", "=", external_id),
                ]
            ),
            1,
        )


class OrderSourceMixin:
    """For :class:`ConnectorCommon`: a cursor-paged order source (e-shop, REST),
    reset before each test, with neither push configuration nor authorisation."""

    @classmethod
    def _channel_vals(cls):
        return dict(super()._channel_vals(), api_base_url=cls.sim.url)

    def setUp(self):
        # no push configuration: ConnectorCommon.setUp is skipped
        super(ConnectorCommon, self).setUp()
        self.sim_post("/_sim/reset")
        self.sim_post("/_sim/faults", {})


class MoneyCheckMixin:
    """What the books need of every imported order: Odoo's total is the order
    value (what the buyer paid plus what the platform pays for the buyer) to the
    cent, in the channel's currency, with the products' sale tax included in the
    price (the channel's fiscal position), and so is its posted invoice."""

    #: the products' sale tax (excluded): the channel maps it to its included twin
    sale_tax_rate = 6.0

    @classmethod
    def setup_sale_tax(cls):
        cls.sale_tax = cls.env["account.tax"].create(
            {
                "name": f"SST {cls.sale_tax_rate:g}% (test)",
                "amount": cls.sale_tax_rate,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        return cls.sale_tax

    def map_catalogue(self):
        """A product per SKU of the simulators' catalogue (taxed with
        ``sale_tax``, in stock), mapped on the channel before any import."""
        from simulators.data import catalogue

        for item in catalogue():
            product = self._create_product(
                item["name"], f"M-{item['sku']}", 10.0, qty=500.0
            )
            product.taxes_id = self.sale_tax
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": item["sku"],
                    "product_id": product.id,
                }
            )

    def assert_order_money(self, order, allowed_reasons=()):
        """``order``'s total is its order value to the cent (or differs for one
        of ``allowed_reasons``, which the order says); the tax is extracted from
        the prices, not added to them."""
        currency = order.currency_id
        self.assertEqual(currency, order.channel_id.currency_id, order.name)
        expected = order.channel_amount_total + order.channel_amount_platform
        self.assertAlmostEqual(order.channel_amount_expected, expected, places=2)
        if order.channel_amount_difference_reason in allowed_reasons:
            return
        self.assertTrue(
            currency.is_zero(order.amount_total - expected),
            f"{order.channel_order_ref}: Odoo {order.amount_total} != order value "
            f"{expected} (paid {order.channel_amount_total} + platform "
            f"{order.channel_amount_platform})",
        )
        self.assertFalse(order.channel_amount_difference_reason, order.name)
        self.assertTrue(currency.is_zero(order.channel_amount_difference))

    def assert_invoice_money(self, order):
        """The order's posted invoice is its total, in its currency."""
        invoice = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        self.assertEqual(invoice.mapped("state"), ["posted"], order.name)
        self.assertEqual(invoice.currency_id, order.currency_id)
        self.assertTrue(
            order.currency_id.is_zero(invoice.amount_total - order.amount_total),
            f"{order.channel_order_ref}: invoice {invoice.amount_total} != "
            f"order {order.amount_total}",
        )
