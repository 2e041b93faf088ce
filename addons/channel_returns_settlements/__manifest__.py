{
    "name": "Channel Returns - Settlements",
    "summary": "The marketplace refund lines of the settlements beside the returns "
    "they pay back",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "AGPL-3",
    "author": "Omnichannel Order Management Contributors",
    "website": "https://github.com/omnichannel-oms/odoo-omnichannel",
    "depends": ["channel_returns", "channel_settlements"],
    "data": ["views/channel_return_views.xml"],
    "auto_install": True,
    "installable": True,
    "development_status": "Alpha",
}
