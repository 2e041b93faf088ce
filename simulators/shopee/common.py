"""Shopee's statuses, channels, addresses and error codes, shared by the modules."""

import unicodedata

DAY = 86400


ACCESS_TOKEN_TTL = 4 * 3600


REFRESH_TOKEN_TTL = 30 * DAY


CODE_TTL = 600


TIMESTAMP_WINDOW = 300


TRACKING_DELAY = 30


PICKUP_DELAY = 3600


DELIVERY_DELAY = 2 * DAY


CONFIRM_DELAY = 3 * DAY


DOC_DELAY = 3


MAX_WINDOW = 15 * DAY


STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
)


FILTER_STATUSES = STATUSES + ("RETRY_SHIP", "INVOICE_PENDING")


CANCEL_REASONS = {
    "OUT_OF_STOCK": "Out of Stock",
    "CUSTOMER_REQUEST": "Customer Request",
    "UNDELIVERABLE_AREA": "Undeliverable Area",
    "COD_NOT_SUPPORTED": "COD Not Supported",
}


BUYER_CANCEL_REASONS = [
    "Need to change delivery address",
    "Seller is not responsive to buyer's inquiries",
    "Modify existing order (colour, size, voucher, etc.)",
    "Others / change of mind",
]


DOC_TYPES = (
    "NORMAL_AIR_WAYBILL",
    "THERMAL_AIR_WAYBILL",
    "NORMAL_JOB_AIR_WAYBILL",
    "THERMAL_JOB_AIR_WAYBILL",
    "THERMAL_UNPACKAGED_LABEL",
)


# logistics channels: which ship_order modes they accept and what info they need
CHANNELS = [
    {
        "logistics_channel_id": 30001,
        "name": "Standard Delivery (SPX)",
        "prefix": "SPXMY",
        "info_needed": {"pickup": ["address_id", "pickup_time_id"], "dropoff": []},
    },
    {
        "logistics_channel_id": 30002,
        "name": "J&T Express",
        "prefix": "JTMY",
        "info_needed": {"pickup": ["address_id", "pickup_time_id"]},
    },
    {
        "logistics_channel_id": 30003,
        "name": "Ninja Van",
        "prefix": "NVMY",
        "info_needed": {"dropoff": ["branch_id"]},
    },
    {
        "logistics_channel_id": 30004,
        "name": "Seller Own Fleet",
        "prefix": None,
        "info_needed": {"non_integrated": ["tracking_no"]},
    },
]


SHOP_ADDRESSES = [
    {
        "address_id": 2001,
        "region": "MY",
        "state": "Kuala Lumpur",
        "city": "Kuala Lumpur",
        "district": "Bukit Bintang",
        "town": "",
        "address": "Lot 3.14, Menara Gudang Omni, Jalan Sultan Ismail",
        "zipcode": "50250",
        "address_flag": ["default_address", "pickup_address", "return_address"],
    },
    {
        "address_id": 2002,
        "region": "MY",
        "state": "Selangor",
        "city": "Shah Alam",
        "district": "Seksyen 15",
        "town": "",
        "address": "No. 8, Jalan Perusahaan 15/22, Kawasan Perindustrian",
        "zipcode": "40200",
        "address_flag": ["pickup_address"],
    },
]


BRANCHES = [
    {
        "branch_id": 7001,
        "region": "MY",
        "state": "Kuala Lumpur",
        "city": "Kuala Lumpur",
        "address": "Ninja Point, 12 Jalan Tun Razak",
        "zipcode": "50400",
        "district": "",
        "town": "",
    },
    {
        "branch_id": 7002,
        "region": "MY",
        "state": "Selangor",
        "city": "Petaling Jaya",
        "address": "Ninja Point, 3 Jalan SS2/24",
        "zipcode": "47300",
        "district": "",
        "town": "",
    },
]


CURRENCIES = {
    "MY": ("MYR", 1.0),
    "SG": ("SGD", 0.3),
    "TH": ("THB", 7.5),
    "VN": ("VND", 5000.0),
    "ID": ("IDR", 3400.0),
    "PH": ("PHP", 12.0),
    "PL": ("PLN", 0.9),
    "GB": ("GBP", 0.17),
}


STATES = {
    "Kuala Lumpur": "Wilayah Persekutuan Kuala Lumpur",
    "Singapore": "Singapore",
    "Bangkok": "กรุงเทพมหานคร",
    "Ho Chi Minh City": "TP. Hồ Chí Minh",
    "Jakarta Selatan": "DKI Jakarta",
    "Quezon City": "Metro Manila",
    "Kraków": "małopolskie",
    "Manchester": "Greater Manchester",
}


MESSAGES = [
    "",
    "",
    "",
    "Xin giao hàng buổi sáng 🙏",
    "Tolong bungkus rapi ya, hadiah untuk ibu",
    "請在下午送貨",
    "Please call before delivery — gate code #4521",
]


AUTH_ERRORS = {
    "error_sign",
    "error_auth",
    "error_permission",
    "invalid_code",
    "invalid_shop_id",
    "invalid_partner_id",
    "error_shop_refresh_token",
    "refresh_token_expired",
}


def _ascii(text):
    folded = unicodedata.normalize("NFKD", str(text))
    return "".join(c if 32 <= ord(c) < 127 else "" for c in folded) or "?"
