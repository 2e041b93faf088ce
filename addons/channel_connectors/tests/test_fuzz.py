"""Fuzzing (hypothesis) of the platforms' payload parsers and of the engine's page
import: whatever a platform sends, a parser answers a normalised order or a
ParseError, never another exception; one bad record of a page is logged with its
payload and skipped, the rest of the page is stored."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from ..adapters import ADAPTERS, ParseError
from .common import load_simulator
from .test_lazada import LazadaCommon

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CONNECTION = {
    "base_url": "http://127.0.0.1:9",
    "app_key": "k",
    "app_secret": "s",
    "access_token": "t",
    "shop_id": "1",
    "shop_cipher": "c",
    "currency": "MYR",
    "mappings": {"branch": {}, "item": {}, "customer": {}},
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(alphabet="0123456789-:T+. Z", max_size=30),
    st.just("x" * 5000),
    st.just("٣٤"),  # digits that are not ASCII
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _seed_payloads():
    """Real payloads, rendered by the simulators themselves (offline)."""
    lazada = load_simulator("lazada", "LazadaSimulator")(orders=4, seed=3)
    payloads = {"lazada": []}
    for order in list(lazada.orders.values())[:4]:
        raw = lazada._render_order(order)
        raw["items"] = [lazada._render_item(i) for i in lazada._order_items(order)]
        payloads["lazada"].append(json.loads(json.dumps(raw)))
    shopee = load_simulator("shopee", "ShopeeSimulator")(orders=4, seed=3)
    optional = {
        "buyer_user_id",
        "buyer_username",
        "estimated_shipping_fee",
        "recipient_address",
        "actual_shipping_fee",
        "item_list",
        "pay_time",
        "shipping_carrier",
        "payment_method",
        "total_amount",
        "package_list",
        "order_status",
        "note",
        "cancel_by",
        "cancel_reason",
        "buyer_cancel_reason",
    }
    payloads["shopee"] = [
        json.loads(json.dumps(shopee._detail(order, optional)))
        for order in list(shopee.orders.values())[:4]
    ]
    tiktok = load_simulator("tiktok", "TikTokSimulator")(orders=4, seed=3)
    payloads["tiktok"] = [
        json.loads(json.dumps(tiktok._render(order)))
        for order in list(tiktok.orders.values())[:4]
    ]
    return payloads


SEEDS = _seed_payloads()


def _paths(data, prefix=()):
    """Every (path) of a nested payload."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


def _mutate(raw, path, action, value):
    raw = copy.deepcopy(raw)
    if not path:
        return value if action != "keep" else raw
    parent = raw
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "delete":
        if isinstance(parent, dict):
            parent.pop(key, None)
        else:
            parent.pop(key)
    elif action == "replace":
        parent[key] = value
    return raw


@st.composite
def mutated(draw, platform):
    raw = draw(st.sampled_from(SEEDS[platform]))
    for _step in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(raw))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(("delete", "replace", "replace")))
        raw = _mutate(raw, path, action, draw(values))
    return raw


def _check_parse(test, platform, raw):
    adapter = ADAPTERS[platform](CONNECTION)
    try:
        normalised = adapter.parse_order(raw)
    except ParseError:
        return
    test.assertTrue(normalised["external_id"])
    test.assertIsInstance(normalised["lines"], list)
    test.assertTrue(normalised["updated_at"])


@tagged("post_install", "-at_install")
class TestFuzzParsers(BaseCase):
    """Every adapter's ``parse_order`` (and webhook parser) on mutated payloads
    (plain Python: no database, no simulator)."""

    def test_seeds_parse(self):
        for platform, raws in SEEDS.items():
            for raw in raws:
                self.assertTrue(ADAPTERS[platform](CONNECTION).parse_order(raw))

    @FUZZ
    @given(raw=mutated("lazada"))
    def test_fuzz_lazada(self, raw):
        _check_parse(self, "lazada", raw)

    @FUZZ
    @given(raw=mutated("shopee"))
    def test_fuzz_shopee(self, raw):
        _check_parse(self, "shopee", raw)

    @FUZZ
    @given(raw=mutated("tiktok"))
    def test_fuzz_tiktok(self, raw):
        _check_parse(self, "tiktok", raw)

    @FUZZ
    @given(raw=values, platform=st.sampled_from(("lazada", "shopee", "tiktok")))
    def test_fuzz_anything(self, raw, platform):
        _check_parse(self, platform, raw)

    @FUZZ
    @given(
        body=st.one_of(
            st.binary(max_size=200),
            values.map(lambda v: json.dumps(v).encode()),
            st.fixed_dictionaries(
                {"message_type": values, "data": values, "timestamp": values}
            ).map(lambda v: json.dumps(v).encode()),
        ),
        platform=st.sampled_from(("lazada", "shopee", "tiktok")),
    )
    def test_fuzz_webhook_parsers(self, body, platform):
        """The webhook controller catches ValueError and AdapterError only."""
        adapter = ADAPTERS[platform](CONNECTION)
        try:
            events = adapter.parse_webhook(body)
        except (ValueError, ParseError):
            return
        except Exception as exc:  # noqa: BLE001 - the point of the test
            from ..adapters import AdapterError

            self.assertIsInstance(exc, AdapterError, repr(body))
            return
        self.assertIsInstance(events, list)
        for event in events:
            self.assertTrue(event["external_id"])


@tagged("post_install", "-at_install")
class TestFuzzPageImport(LazadaCommon):
    """The engine's page import: bad records logged with their payload, skipped,
    the rest stored."""

    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(bad=st.lists(mutated("lazada"), min_size=1, max_size=3))
    def test_fuzz_page(self, bad):
        adapter = self.channel._get_adapter()
        good = load_simulator("lazada", "LazadaSimulator")(orders=6, seed=9)
        page = []
        for order in list(good.orders.values())[:4]:
            raw = good._render_order(order)
            raw["items"] = [good._render_item(i) for i in good._order_items(order)]
            page.append(json.loads(json.dumps(raw)))
        # the bad ones never share a number with the good ones
        bad = [b for b in bad if not isinstance(b, dict) or "order_id" not in b] + [
            dict(b, order_id=f"9{i}{b['order_id']}"[:15])
            for i, b in enumerate(bad)
            if isinstance(b, dict) and "order_id" in b
        ]
        page = bad[:1] + page[:2] + bad[1:] + page[2:]
        stats = {"pages": 0, "orders": 0, "queued": 0, "imported": 0, "skipped": 0}
        self.channel.import_in_batch = True
        with (
            self.env.cr.savepoint() as savepoint,
            mute_logger("odoo.addons.channel_connectors.models.omni_channel"),
        ):
            logs_before = self.env["channel.sync.log"].search_count([])
            with self.jobs() as trap:
                self.channel._pull_page(adapter, page, stats, [])
                self.run_jobs(trap)
            refs = {str(p["order_id"]) for p in page[-2:]} | {
                str(p["order_id"]) for p in page[len(bad[:1]) : len(bad[:1]) + 2]
            }
            imported = set(self.channel_orders().mapped("channel_order_ref"))
            self.assertLessEqual(refs, imported, "the good records were stored")
            skipped = self.env["channel.sync.log"].search(
                [("state", "=", "skipped")], order="id desc", limit=stats["skipped"]
            )
            self.assertEqual(
                self.env["channel.sync.log"].search_count([]) - logs_before >= 0,
                True,
            )
            self.assertEqual(len(skipped), stats["skipped"])
            self.assertTrue(all(log.payload for log in skipped), "payload logged")
            savepoint.rollback()
