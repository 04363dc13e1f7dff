"""Check that the access log and the change history are intact (pht.chain)."""

from django.core.management.base import BaseCommand, CommandError

from pht import chain


class Command(BaseCommand):
    help = (
        "Verify the hash chains of the access log and every change-history table. Exits "
        "non-zero and lists the broken rows if any row was altered, removed or inserted."
    )

    def handle(self, *args, **options):
        failures = []
        for model in chain.chained_models():
            count, problems, head = chain.verify(model)
            status = "ok" if not problems else f"{len(problems)} problem(s)"
            self.stdout.write(
                f"{model._meta.label:<40} {count:>8} rows  {status}  head {head[:16]}"
            )
            failures.extend(problems)
        if failures:
            for problem in failures:
                self.stderr.write(problem)
            raise CommandError(f"Audit chain broken: {len(failures)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Audit chains intact."))
