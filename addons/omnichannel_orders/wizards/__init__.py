from . import omni_bulk_wizard
from . import omni_link_product
from . import omni_manual_order
from . import omni_manual_order_line
from . import omni_order_export
