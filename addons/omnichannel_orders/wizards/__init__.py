from . import omni_link_product
from . import omni_order_export
