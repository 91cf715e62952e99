"""``python -m envbridge.demo``."""

from envbridge.demo.run import main

raise SystemExit(main())
