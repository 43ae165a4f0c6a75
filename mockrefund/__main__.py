from mockrefund.cli import main

raise SystemExit(main())
