from . import test_install
from . import test_lazada
from . import test_webhook
from . import test_adapter_eshop
from . import test_adapter_shopee
from . import test_adapter_tiktok
from . import test_adapter_rest
