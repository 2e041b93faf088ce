from . import test_chain_shopee_returns
