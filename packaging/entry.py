"""The frozen app's entry point (PyInstaller): the same as the ``socketscope`` command.

``socketscope.cli.main`` also recognises the hidden ``--socketscope-child FD`` with which a frozen
app starts its own binary for a process actor (see ``socketscope/engine/child.py``).
"""

from socketscope.cli import main

raise SystemExit(main())
