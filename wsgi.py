import sys

from app import create_app
from config.env import ConfigError


def _database_trouble_in_one_line(kind, error, trace):
    """A flask command (cron's sweeps, db upgrade) that met a database it cannot use (down,
    refusing the login, not migrated) says so in one line, as the web answers 503: the
    driver's traceback, sixty lines in cron's mail, hid the sentence at its end."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    # PostgreSQL's missing table is a ProgrammingError (42P01), SQLite's an OperationalError
    unmigrated = getattr(getattr(error, "orig", None), "sqlstate", None) == "42P01"
    if not (isinstance(error, OperationalError | InterfaceError) or unmigrated):
        return sys.__excepthook__(kind, error, trace)
    said = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0]
    if unmigrated or said.startswith("no such table"):
        said += " (has flask --app wsgi db upgrade run against it?)"
    print(f"Phasewise cannot use the database: {said}", file=sys.stderr)


sys.excepthook = _database_trouble_in_one_line  # the exit code stays 1

try:
    app = create_app()
except ConfigError as error:
    # One sentence for the operator, not a traceback per gunicorn worker or flask command;
    # exit code 3 is gunicorn's "worker failed to boot": it stops instead of starting another.
    print(f"Phasewise cannot start: {error}", file=sys.stderr)
    sys.exit(3)
