"""The frozen program's entry point: the same ``main`` as the ``harmonize-evidence`` command."""

import sys

from harmonize_evidence.cli import main

if __name__ == "__main__":
    sys.exit(main())
