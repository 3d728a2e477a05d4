from softtoken_portal._cli import main

raise SystemExit(main())
