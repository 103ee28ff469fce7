"""``python -m sklearn_dc``: the command line."""

import sys

from .cli import main

sys.exit(main())
