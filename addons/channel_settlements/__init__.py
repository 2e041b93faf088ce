from . import finance
from . import models
from . import wizards
