from socketscope.cli import main

raise SystemExit(main())
