from piccolo.columns import Float, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class JobRecord(Table, tablename="scheduled_jobs"):
    """The deployment's memory of each job: when it is due, who runs it now, how its last run went."""

    name = Varchar(length=200, unique=True)  # "<plugin>.<job name>"
    next_due = Timestamptz()
    last_started = Timestamptz(null=True, default=None)
    last_finished = Timestamptz(null=True, default=None)
    duration_seconds = Float(null=True, default=None)
    result = Varchar(length=10, default="")  # ok, failed, skipped; "" before the first run
    last_error = Text(default="")  # one line without personal data: the exception type and where it was raised
    failures = Integer(default=0)  # in a row
    lease_owner = Varchar(length=200, default="")
    lease_until = Timestamptz(null=True, default=None)
