"""The customers the import may reuse, found by e-mail or phone."""

import copy
import json

from odoo.tests import tagged

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestPartnerMatching(LazadaCommon):
    """Customers found by e-mail or phone: only live partners the channel's
    company may use."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.Partner = cls.env["res.partner"].with_context(active_test=False)

    def setUp(self):
        super().setUp()
        self.pull()
        template = self.order_of(sorted(self.sim_orders())[0])
        self.template_raw = json.loads(template.channel_binding_ids.raw_payload)

    def imported_customer(self, email="", phone=""):
        """The customer of an order of a new buyer with ``email`` and ``phone``,
        imported from a copy of a Lazada payload."""
        seq = self._order_seq()
        raw = copy.deepcopy(self.template_raw)
        raw["order_id"] = raw["order_number"] = 9_800_000_000 + seq
        raw["buyer_id"] = 9_800_000 + seq
        raw["customer_email"] = email
        raw["address_billing"] = dict(
            raw["address_billing"], email=email, phone=phone, first_name="Match"
        )
        raw["address_shipping"] = dict(raw["address_billing"])
        for item in raw["items"]:
            item["buyer_id"] = raw["buyer_id"]
        adapter = self.channel._get_adapter()
        self.channel._import_normalised([adapter.parse_order(raw)], adapter=adapter)
        order = self.order_of(str(raw["order_id"]))
        self.assertEqual(len(order), 1, "the order is stored")
        return order.partner_id

    def twins(self, email=False, phone=False):
        """An archived partner and another company's partner with ``email`` and
        ``phone`` (created first: the oldest)."""
        return self.Partner.create(
            [
                {
                    "name": "Archived buyer",
                    "email": email,
                    "phone": phone,
                    "active": False,
                },
                {
                    "name": "Other company's buyer",
                    "email": email,
                    "phone": phone,
                    "company_id": self.other_company.id,
                },
            ]
        )

    def test_archived_and_other_company_partners_are_not_reused(self):
        email, phone = "match.buyer@example.com", "+60119800001"
        twins = self.twins(email, phone)
        by_email = self.imported_customer(email=email)
        self.assertNotIn(by_email, twins)
        self.assertTrue(by_email.active)
        self.assertFalse(by_email.company_id)
        self.assertEqual(by_email.email, email)
        by_phone = self.imported_customer(phone=phone)
        self.assertNotIn(by_phone, twins)
        self.assertTrue(by_phone.active)
        self.assertEqual(by_phone.phone, phone)
        # the new customers are found again next time
        self.assertEqual(self.imported_customer(email=email), by_email)

    def test_shared_and_same_company_partners_are_reused(self):
        twins = self.twins("shared.buyer@example.com", "+60119800002")
        shared = self.Partner.create(
            {"name": "Shared buyer", "email": "shared.buyer@example.com"}
        )
        own = self.Partner.create(
            {
                "name": "Own buyer",
                "phone": "+60119800002",
                "company_id": self.channel.company_id.id,
            }
        )
        customers = [("parent_id", "=", False)]
        count = self.Partner.search_count(customers)
        self.assertEqual(
            self.imported_customer(email="Shared.Buyer@example.com"), shared
        )
        self.assertEqual(self.imported_customer(phone="+60119800002"), own)
        self.assertEqual(self.Partner.search_count(customers), count, "no new one")
        self.assertFalse(twins.sale_order_ids)
