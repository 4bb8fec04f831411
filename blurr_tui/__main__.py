from blurr_tui.cli import main

raise SystemExit(main())
