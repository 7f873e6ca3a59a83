"""Allows ``python -m harmonize_evidence``."""

import sys

from harmonize_evidence.cli import main

sys.exit(main())
