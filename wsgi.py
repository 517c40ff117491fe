import sys

from app import create_app
from config.env import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One sentence for the operator, not a traceback per gunicorn worker or flask command;
    # exit code 3 is gunicorn's "worker failed to boot": it stops instead of starting another.
    print(f"Phasewise cannot start: {error}", file=sys.stderr)
    sys.exit(3)
