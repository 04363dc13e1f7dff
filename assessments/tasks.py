"""Background tasks (Django's tasks API; the queue is django-tasks-db, docs/adr/0006)."""

from django.tasks import task

from assessments import services


@task()
def import_patients(import_id: str) -> None:
    """Create a confirmed CSV import's patients, chunk by chunk, resuming after the last
    chunk committed (a job queued again for a finished import does nothing)."""
    services.run_patient_import(import_id)
