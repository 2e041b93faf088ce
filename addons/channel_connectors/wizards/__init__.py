from . import channel_import_wizard
from . import channel_ship_wizard
