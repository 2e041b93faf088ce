"""Faithful local simulators of the external systems the add-ons talk to.

Each simulator is an HTTP server on loopback (see ``core.SimServer``). No Odoo import
anywhere in this package.
"""

import importlib

SIMULATORS = {
    "lazada": "simulators.lazada:LazadaSimulator",
    "shopee": "simulators.shopee:ShopeeSimulator",
    "tiktok": "simulators.tiktok:TikTokSimulator",
    "eshop": "simulators.eshop:EshopSimulator",
    "rest": "simulators.rest:RestSimulator",
    "distributor": "simulators.distributor:DistributorSimulator",
}


def get_simulator_class(name):
    module_name, class_name = SIMULATORS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)
