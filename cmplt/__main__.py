"""`python -m cmplt`, the same as the `cmplt` command."""

import sys

from cmplt.cli import main

sys.exit(main())
