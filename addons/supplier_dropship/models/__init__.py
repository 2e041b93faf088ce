from . import dropship_distributor
