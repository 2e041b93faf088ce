from . import test_install
from . import test_shopee_returns
from . import test_coexistence
