from __future__ import annotations

from sendout.entrypoints.cli import main

raise SystemExit(main())
