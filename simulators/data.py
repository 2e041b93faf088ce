"""Seeded, deterministic sample data shared by the simulators: buyers (unicode names,
long addresses), a product catalogue with variants, and the shape of a generic order
that each platform module turns into its own payload."""

FIRST_NAMES = [
    "Nguyễn Văn",
    "Siti Nurhaliza",
    "Zoë",
    "Łukasz",
    "Ploy",
    "Muhammad Aiman",
    "Chloé",
    "陈",
    "Kittisak",
    "María José",
    "Jörg",
    "Dewi",
]
LAST_NAMES = [
    "An",
    "binti Tarudin",
    "O'Brien",
    "Wiśniewski",
    "Srisuk",
    "bin Abdullah",
    "Dubois",
    "伟",
    "Chaiyaporn",
    "García-Núñez",
    "Müller",
    "Lestari",
]
CITIES = [
    ("Kuala Lumpur", "MY", "50450"),
    ("Singapore", "SG", "018956"),
    ("Bangkok", "TH", "10110"),
    ("Ho Chi Minh City", "VN", "700000"),
    ("Jakarta Selatan", "ID", "12190"),
    ("Quezon City", "PH", "1100"),
    ("Kraków", "PL", "31-042"),
    ("Manchester", "GB", "M1 1AE"),
]
STREETS = [
    "Jalan Sultan Ismail",
    "Orchard Road",
    "ถนนสุขุมวิท",
    "Đường Nguyễn Huệ",
    "Jl. Jenderal Sudirman Kav. 52-53",
    "ulica Floriańska",
    "Deansgate",
]
PRODUCTS = [
    # (sku, name, price, weight kg, variants)
    ("TSHIRT", "Cotton T-shirt", 59.0, 0.2, ["S", "M", "L", "XL"]),
    ("MUG", "Ceramic mug 350 ml", 25.0, 0.4, []),
    ("PHONE-CASE", "Phone case", 35.0, 0.1, ["BLACK", "CLEAR"]),
    ("EARBUDS", "Wireless earbuds", 199.0, 0.15, []),
    ("BACKPACK", "Travel backpack 30 L", 249.0, 1.1, ["GREY", "NAVY"]),
    ("CABLE-USBC", "USB-C cable 1 m", 19.9, 0.05, []),
    ("KETTLE", "Electric kettle 1.7 L", 129.0, 1.3, []),
    ("NOTEBOOK", "A5 dotted notebook", 15.5, 0.3, []),
]


def catalogue():
    """Every sellable SKU: list of dicts {sku, name, price, weight}."""
    skus = []
    for code, name, price, weight, variants in PRODUCTS:
        if variants:
            for variant in variants:
                skus.append(
                    {
                        "sku": f"{code}-{variant}",
                        "name": f"{name} ({variant})",
                        "price": price,
                        "weight": weight,
                    }
                )
        else:
            skus.append({"sku": code, "name": name, "price": price, "weight": weight})
    return skus


def buyer(rng):
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    city, country, zipcode = rng.choice(CITIES)
    street = rng.choice(STREETS)
    long_tail = ", ".join(
        [
            f"Unit {rng.randint(1, 40)}-{rng.randint(1, 30)}",
            f"Block {rng.choice('ABCDEFG')}",
        ]
        + (
            ["Taman Tun Dr Ismail Commercial Centre, Level 12, Tower 3"]
            if rng.random() < 0.3
            else []
        )
    )
    ident = rng.randint(100000, 999999)
    return {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "email": f"buyer{ident}@example.com",
        "phone": f"+60{rng.randint(100000000, 199999999)}",
        "address1": f"{rng.randint(1, 999)} {street}",
        "address2": long_tail,
        "city": city,
        "country": country,
        "zip": zipcode,
        "buyer_id": str(ident),
    }


def order_lines(rng, max_lines=4):
    """1..max_lines distinct SKUs with quantities (multi-item orders)."""
    skus = catalogue()
    picked = rng.sample(skus, rng.randint(1, max_lines))
    return [dict(item, qty=rng.randint(1, 3)) for item in picked]
