{
    "name": "Supplier Drop-ship",
    "summary": "Distributors, stock and price feeds, real-time checks, "
    "the Ship button and electronic drop-ship purchase orders",
    "version": "18.0.1.0.0",
    "category": "Inventory/Purchase",
    "license": "LGPL-3",
    "author": "Omnichannel Order Management Contributors",
    "website": "https://github.com/omnichannel-oms/odoo-omnichannel",
    "depends": [
        "omnichannel_orders",
        "purchase_stock",
        "stock_dropshipping",
        "queue_job",
    ],
    "external_dependencies": {"python": ["requests", "xmltodict"]},
    "data": [
        "security/supplier_dropship_security.xml",
        "security/ir.model.access.csv",
        "views/dropship_distributor_views.xml",
        "views/supplier_dropship_menus.xml",
    ],
    "installable": True,
    "development_status": "Alpha",
}
