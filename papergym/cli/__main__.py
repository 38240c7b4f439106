"""``python -m papergym.cli``."""

import sys

from papergym.cli import main

sys.exit(main())
