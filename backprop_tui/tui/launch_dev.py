"""`python -m backprop_tui.tui.launch_dev [FILE]`: run the app until the CLI exists."""

import sys

from backprop_tui.tui.launch import launch

raise SystemExit(launch(sys.argv[1] if len(sys.argv) > 1 else None))
