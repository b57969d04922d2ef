"""``python -m tconv``: the same as the ``tconv`` command."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
