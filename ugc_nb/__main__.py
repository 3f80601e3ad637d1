"""``python -m ugc_nb`` — same as the ``ugc-nb`` command."""

import sys

from .cli import main

sys.exit(main())
