"""`python -m bot` is the `dangjian` command."""

from bot.cli import main

raise SystemExit(main())
