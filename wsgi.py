import sys

from app import create_app
from config.env import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One sentence for the operator, not a traceback per gunicorn worker or flask command.
    sys.exit(f"Phasewise cannot start: {error}")
