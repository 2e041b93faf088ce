{
    "name": "Channel Connectors",
    "summary": "Lazada, Shopee, TikTok Shop, e-shop and REST connectors: "
    "pull, push, webhooks, sync log",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "Omnichannel Order Management Contributors",
    "website": "https://github.com/omnichannel-oms/odoo-omnichannel",
    "depends": ["omnichannel_orders", "queue_job"],
    "external_dependencies": {"python": ["requests", "xmltodict"]},
    "data": [
        "security/channel_connectors_security.xml",
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
        "views/channel_sync_log_views.xml",
        "views/channel_connectors_menus.xml",
    ],
    "installable": True,
    "development_status": "Alpha",
}
