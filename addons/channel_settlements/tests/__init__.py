from . import test_lazada
from . import test_shopee
from . import test_tiktok
from . import test_install
from . import test_robustness
from . import test_chain_tiktok
from . import test_chain_shopee
from . import test_chain_lazada
