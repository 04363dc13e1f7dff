"""Run the background worker: first queue again any import a stopped worker left unfinished
and the anchoring of the audit chains' heads (every AUDIT_ANCHOR_MINUTES, pht/anchors.py),
then django-tasks-db's ``db_worker`` (every option passed on)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from assessments import services
from pht import anchors


class Command(BaseCommand):
    help = (
        "Resume unfinished patient imports and schedule the anchoring of the audit chains "
        "(AUDIT_ANCHOR_MINUTES), then run the task worker (django-tasks-db's db_worker). "
        "Options: --batch (run what is queued, then stop), --interval SECONDS, --max-tasks N, "
        "--worker-id ID."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, **options):
        resumed = services.resume_patient_imports()
        if resumed:
            self.stdout.write(f"Resuming {len(resumed)} unfinished patient import(s).")
        # Runs now, then queues itself again every AUDIT_ANCHOR_MINUTES (none if one waits).
        anchors.schedule_anchoring()
        worker = {
            "batch": options["batch"],
            "interval": options["interval"],
            "reload": False,
            "startup_delay": False,
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"]:
            worker["max_tasks"] = options["max_tasks"]
        if options["worker_id"]:
            worker["worker_id"] = options["worker_id"]
        call_command("db_worker", **worker)
