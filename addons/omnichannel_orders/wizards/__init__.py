from . import omni_link_product
