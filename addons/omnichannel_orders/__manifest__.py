{
    "name": "Omnichannel Orders",
    "summary": "One order desk for every sales channel: marketplaces, e-shop, "
    "phone and distributors, from buffered to fulfilled",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "Omnichannel Order Management Contributors",
    "website": "https://github.com/omnichannel-oms/odoo-omnichannel",
    "depends": ["sale_management", "sale_stock", "account", "mail"],
    "data": [
        "security/omnichannel_orders_security.xml",
        "security/ir.model.access.csv",
        "data/product_data.xml",
        "views/omni_channel_views.xml",
        "views/omni_channel_product_views.xml",
        "views/omni_order_event_views.xml",
        "views/sale_order_views.xml",
        "views/omnichannel_orders_menus.xml",
    ],
    "installable": True,
    "application": True,
    "development_status": "Alpha",
}
