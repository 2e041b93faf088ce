from . import channel_settlement_import
