"""``python -m envbridge`` is the ``envbridge`` command."""

from envbridge.cli import main

raise SystemExit(main())
